/** NdArray: a small facade over one mapping (or buffer), its dtype, shape and lifetime. */
import { fstatSync, lstatSync, unlinkSync } from 'node:fs';
import { type AnyTypedArray, type DType, type DTypeInfo, type TypedArrayMap } from './dtype.js';
import { fromSystemError, NdshareError } from './errors.js';
import type { Handle, SabHandle } from './handle.js';
import { native } from './native.js';
import { releaseOwned } from './cleanup.js';
import { closeQuietly } from './segment.js';
import { stridesOf, type Mode, type Order } from './validate.js';

/** Where an array's memory lives. */
export type Backing = 'shm' | 'memfd' | 'file' | 'sab' | 'heap';
export const BACKINGS: readonly Backing[] = ['shm', 'memfd', 'file', 'sab', 'heap'];

/** Internal state of one NdArray. Never exported from the package. */
export interface ArrayState {
  readonly backing: Backing;
  readonly info: DTypeInfo;
  readonly shape: readonly number[];
  readonly order: Order;
  readonly mode: Mode;
  readonly buffer: SharedArrayBuffer | ArrayBuffer;
  readonly byteOffset: number;
  readonly size: number;
  readonly nbytes: number;
  /** Open fd that keeps the liveness lock (shm) or the memory (memfd); -1 when none. */
  fd: number;
  /** shm_open name, for 'shm'. */
  readonly name?: string;
  /** Filesystem path NumPy can open ('shm', 'file', 'memfd'). */
  readonly path?: string;
  /** This NdArray created the name or file, so it may unlink it. */
  owner: boolean;
  /** This NdArray was the owner and already removed its name or file (close() or unlink()). */
  removed?: boolean;
  closed: boolean;
  readonly data: AnyTypedArray;
}

const states = new WeakMap<NdArray, ArrayState>();
const kToken = Symbol('ndshare.internal');

/** Builds an NdArray from internal state (used by create, attach, open). */
export function wrap<D extends DType>(state: Omit<ArrayState, 'data'>): NdArray<D> {
  const data = new state.info.ctor(state.buffer, state.byteOffset, state.size);
  return new NdArray<D>(kToken, { ...state, data });
}

/** Internal state of an NdArray. */
export function stateOf(array: NdArray): ArrayState {
  const s = states.get(array);
  if (!s) throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', 'Expected an NdArray but received another object');
  return s;
}

/**
 * A typed n-dimensional view over shared (or ordinary) memory. Create one with `create()`,
 * `attach()` or `open()`; the constructor is not public.
 */
export class NdArray<D extends DType = DType> {
  readonly #s: ArrayState;

  /** @internal */
  constructor(token: symbol, state: ArrayState) {
    if (token !== kToken) throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', 'Expected create(), attach() or open() to build an NdArray but it was constructed directly');
    this.#s = state;
    states.set(this, state);
  }

  /** The flat TypedArray over the elements (BigInt64Array for int64, Uint8Array for bool, ...). */
  get data(): TypedArrayMap[D] {
    this.#open('data');
    return this.#s.data as TypedArrayMap[D];
  }

  /** NumPy dtype name. */
  get dtype(): D {
    return this.#s.info.name as D;
  }

  /** Dimensions (a frozen copy). */
  get shape(): readonly number[] {
    return Object.freeze([...this.#s.shape]);
  }

  /** Byte step per dimension, as NumPy reports `strides`. */
  get strides(): readonly number[] {
    return Object.freeze(stridesOf(this.#s.shape, this.#s.info.itemsize, this.#s.order));
  }

  /** 'C' (row-major) or 'F' (column-major, only from Fortran-order .npy files). */
  get order(): Order {
    return this.#s.order;
  }

  /** Number of elements. */
  get size(): number {
    return this.#s.size;
  }

  /** Bytes of element data. */
  get nbytes(): number {
    return this.#s.nbytes;
  }

  /** Where the memory lives. */
  get backing(): Backing {
    return this.#s.backing;
  }

  /** How this process mapped the memory: 'r+' shared read-write, 'r' read-only, 'c' copy-on-write. */
  get mode(): Mode {
    return this.#s.mode;
  }

  /** True when writes through `data` do not reach other processes ('r' and 'c' mappings). */
  get readonly(): boolean {
    return this.#s.mode !== 'r+';
  }

  /** A path `numpy.load(path, mmap_mode='r+')` opens (shm and file; /proc/<pid>/fd/<n> for memfd). */
  get path(): string | undefined {
    return this.#s.path;
  }

  /** True after close(). */
  get closed(): boolean {
    return this.#s.closed;
  }

  /**
   * A plain object that names this array for `attach()` in another process or thread. JSON for
   * shm, memfd and file; for 'sab' it holds the SharedArrayBuffer (post it, do not stringify it).
   */
  get handle(): Handle {
    this.#open('handle');
    const s = this.#s;
    const base = { ndshare: 1 as const, dtype: s.info.name, shape: [...s.shape] };
    switch (s.backing) {
      case 'shm':
        return { ...base, backing: 'shm', name: s.name ?? '' };
      case 'memfd':
        // The inode tells this memfd from a later one that gets the same fd number after close().
        return { ...base, backing: 'memfd', pid: process.pid, fd: s.fd, ino: fstatSync(s.fd).ino };
      case 'file':
        return { ...base, backing: 'file', path: s.path ?? '', ...(s.order === 'F' ? { order: 'F' as const } : {}) };
      case 'sab':
        return this.threadHandle;
      case 'heap':
        throw new NdshareError(
          'ERR_NDSHARE_NOT_SHAREABLE',
          "Expected a shared backing ('shm', 'memfd', 'file' or 'sab') for handle but this array has backing 'heap'; it can only be copied",
        );
    }
  }

  /**
   * A handle for worker threads of this process that reuses this mapping: no new mapping, no fd.
   * Post it with `postMessage` or `workerData`; `attach()` it in the worker.
   */
  get threadHandle(): SabHandle {
    this.#open('threadHandle');
    const s = this.#s;
    if (!(s.buffer instanceof SharedArrayBuffer)) {
      throw new NdshareError('ERR_NDSHARE_NOT_SHAREABLE', "Expected a shared backing for threadHandle but this array has backing 'heap'");
    }
    return {
      ndshare: 1,
      backing: 'sab',
      dtype: s.info.name,
      shape: [...s.shape],
      buffer: s.buffer,
      byteOffset: s.byteOffset,
      ...(s.order === 'F' ? { order: 'F' as const } : {}),
    };
  }

  /**
   * Writes dirty pages of a file-backed array to disk (msync). A no-op for other backings.
   * `sync: true` waits for the write to finish.
   */
  flush(options: { sync?: boolean } = {}): void {
    this.#open('flush');
    const s = this.#s;
    if (s.backing !== 'file' || s.mode !== 'r+' || s.nbytes === 0 || !(s.buffer instanceof SharedArrayBuffer)) return;
    try {
      native().msync(s.buffer, s.byteOffset, s.nbytes, options.sync ? 1 : 0);
    } catch (err) {
      throw fromSystemError(err, 'flush the mapped file', s.path);
    }
  }

  /**
   * Releases this process's claim: closes the fd and, for the creator of a 'shm' segment, removes
   * its name. Memory that a view can still reach stays mapped until the buffer is
   * garbage-collected, so `close()` can never cause a crash; until then the mapping still counts
   * as a user of the segment (it is never swept or pooled from under a view). Idempotent.
   */
  close(): void {
    const s = this.#s;
    if (s.closed) return;
    s.closed = true;
    try {
      if (s.owner && s.backing === 'shm') this.#removeName();
    } finally {
      // Even if removing the name failed: close() cannot be retried (it is idempotent), so the fd
      // would otherwise stay open, liveness lock and all, for the life of the process.
      if (s.fd >= 0) {
        const fd = s.fd;
        s.fd = -1;
        // Quietly: the fd is ours, EBADF would mean it was closed behind our back; nothing leaks.
        closeQuietly(fd);
      }
    }
  }

  /**
   * Removes the name ('shm') or file ('file') so no one else can attach; the array stays usable
   * here and in processes that already attached. Only the creator may unlink. A no-op for
   * memfd, sab and heap, which have no name.
   */
  unlink(): void {
    const s = this.#s;
    if (s.backing !== 'shm' && s.backing !== 'file') return;
    // The creator's close() already removed a shm name; unlinking again is a no-op, not an error.
    if (!s.owner && s.removed) return;
    if (!s.owner) {
      throw new NdshareError(
        'ERR_NDSHARE_NOT_OWNER',
        `Expected the creating process to unlink ${s.name ?? s.path ?? 'this array'} but this NdArray was attached or opened; only the creator unlinks`,
      );
    }
    this.#removeName();
  }

  #removeName(): void {
    const s = this.#s;
    if (!s.owner) return;
    s.owner = false;
    s.removed = true;
    try {
      if (s.backing === 'shm' && s.name) {
        releaseOwned(s.name);
        native().shmUnlink(s.name);
      } else if (s.backing === 'file' && s.path) {
        // Only unlink the file we created: if it was replaced since, leave the new one alone.
        if (s.fd >= 0) {
          const mine = fstatSync(s.fd);
          const now = lstatSync(s.path, { throwIfNoEntry: false });
          if (!now || now.ino !== mine.ino || now.dev !== mine.dev) return;
        }
        unlinkSync(s.path);
      }
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'ENOENT') return;
      throw fromSystemError(err, 'unlink', s.name ?? s.path);
    }
  }

  #open(what: string): void {
    if (this.#s.closed) {
      throw new NdshareError('ERR_NDSHARE_CLOSED', `Expected an open NdArray for ${what} but it was closed`);
    }
  }

  /** `NdArray<float64>[100000000] shm` */
  toString(): string {
    return `NdArray<${this.dtype}>[${this.#s.shape.join(', ')}] ${this.#s.backing}${this.#s.closed ? ' (closed)' : ''}`;
  }
}
