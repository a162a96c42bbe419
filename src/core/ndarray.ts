/** NdArray: a small facade over one mapping (or buffer), its dtype, shape and lifetime. */
import { resolveDType, type AnyTypedArray, type DType, type DTypeInfo, type DTypeLike, type DTypeOf, type TypedArrayMap } from './dtype.js';
import { fromSystemError, NdshareError } from '../errors.js';
import type { Handle, SabHandle } from './handle.js';
import { native } from './native.js';
import { closeQuietly } from './fd.js';
import { checkOptions, offsetOf, sizeOf, stridesOf, type Mode, type Order } from './validate.js';
import { guardClone, notCloneable } from './clone-guard.js';
import { formatArray, kInspectCustom, type FormatOptions } from './format.js';
import { NdView } from './view.js';

/** Where an array's memory lives: the names of the backing modules (src/core/backings/). */
export type Backing = 'shm' | 'memfd' | 'file' | 'sab' | 'heap';
export const BACKINGS: readonly Backing[] = ['shm', 'memfd', 'file', 'sab', 'heap'];

/**
 * What an NdArray asks of its backing module after creation: the handle others attach, and how the
 * creator's name goes away. Each module in src/core/backings/ provides one.
 */
export interface BackingOps {
  readonly name: Backing;
  /** The handle for `attach()` elsewhere (`NdArray.handle`). */
  handle(s: ArrayState): Handle;
  /** Removes the creator's name or file; absent for backings that have none (memfd, sab, heap). */
  removeName?(s: ArrayState): void;
  /** The creator's `close()` removes the name too (shm), or leaves it for `unlink()` (file). */
  readonly closeRemovesName: boolean;
  /**
   * Called by `close()` while the fd is still open, after the name went: lets the memory go now
   * rather than when the views are garbage-collected (shm, memfd; see backings/last-holder.ts).
   */
  releaseMemory?(s: ArrayState): void;
}

/** Internal state of one NdArray. Never exported from the package. */
export interface ArrayState {
  readonly backing: Backing;
  readonly ops: BackingOps;
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
  /**
   * The memory was handed out where no liveness lock can see it: its fd to a child process
   * (spawnWithArrays), or its buffer to another thread (`threadHandle`; then 'thread', which
   * wins). Such an array is never pooled, and a 'thread' one never has its mapping replaced.
   */
  handedOut?: 'fd' | 'thread';
  /**
   * For 'fd': the children it was handed to. Once every one has ended, nothing of theirs maps
   * the memory any more (ndshare's own children reopen and close the inherited fd; a child that
   * passes the fd on to a process of its own is beyond what ndshare can see).
   */
  readonly fdHolders?: Array<{ readonly exitCode: number | null; readonly signalCode: string | null; readonly pid?: number | undefined }>;
  readonly data: AnyTypedArray;
}

const states = new WeakMap<NdArray, ArrayState>();

/**
 * Closes the fd of an attached or opened array that became unreachable without close(), so a
 * loop that attaches per task cannot run out of fds. It holds the ArrayState, never the NdArray
 * (which it would keep alive), and reads `fd` and `closed` only when it runs, so an fd that
 * close() or a pool took away is never touched. Closing the fd alone is always safe: a view that
 * outlives its NdArray keeps the mapping, and the mapping keeps the memory and the liveness lock.
 * Nothing else of close() happens here (no name removal, no memory release). Arrays from create()
 * are not registered: their handle may still be in flight (a memfd handle even names the fd), so
 * they keep fd, lock and name until close() or exit.
 */
const unreachable = new FinalizationRegistry<ArrayState>((s) => {
  if (s.closed || s.fd < 0) return;
  const fd = s.fd;
  s.fd = -1;
  closeQuietly(fd);
});
const kToken = Symbol('ndshare.internal');

/** What a backing module knows when it wraps memory into an NdArray; the rest is derived. */
export interface ArrayInit {
  readonly ops: BackingOps;
  readonly info: DTypeInfo;
  readonly shape: readonly number[];
  /** Default 'C'. */
  readonly order?: Order;
  /** Default 'r+'. */
  readonly mode?: Mode;
  readonly buffer: SharedArrayBuffer | ArrayBuffer;
  /** Default 0. */
  readonly byteOffset?: number;
  /** Default -1 (no fd). */
  readonly fd?: number;
  readonly name?: string;
  readonly path?: string;
  /** Default false. */
  readonly owner?: boolean;
}

/** Builds an NdArray: the one place an ArrayState is made (size and nbytes come from sizeOf). */
export function wrap<D extends DType>(init: ArrayInit): NdArray<D> {
  const { size, nbytes } = sizeOf(init.shape, init.info);
  const state: ArrayState = {
    backing: init.ops.name,
    ops: init.ops,
    info: init.info,
    shape: [...init.shape],
    order: init.order ?? 'C',
    mode: init.mode ?? 'r+',
    buffer: init.buffer,
    byteOffset: init.byteOffset ?? 0,
    size,
    nbytes,
    fd: init.fd ?? -1,
    ...(init.name !== undefined ? { name: init.name } : {}),
    ...(init.path !== undefined ? { path: init.path } : {}),
    owner: init.owner ?? false,
    closed: false,
    data: new init.info.ctor(init.buffer, init.byteOffset ?? 0, size),
  };
  const array = new NdArray<D>(kToken, state);
  if (!state.owner && state.fd >= 0) unreachable.register(array, state, array);
  return array;
}

/** The thread handle of an array whose memory is a SharedArrayBuffer (every shared backing). */
export function threadHandleOf(s: ArrayState): SabHandle {
  if (!(s.buffer instanceof SharedArrayBuffer)) {
    throw new NdshareError('ERR_NDSHARE_NOT_SHAREABLE', `Expected a shared backing for threadHandle but this array has backing '${s.backing}'`);
  }
  // Another thread's views of this very mapping hold no lock: nothing can prove them gone.
  s.handedOut = 'thread';
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
    // Posting the NdArray itself (not its handle) throws at the postMessage, not later.
    guardClone(this, 'an NdArray');
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

  /**
   * True when this array's dtype is `dtype` (a name or little-endian descr), and a type guard:
   * inside `if (a.is('float64'))`, `a.data` is a Float64Array. Works on a closed array too.
   */
  is<S extends DTypeLike>(dtype: S): this is NdArray<DTypeOf<S>> {
    return resolveDType(dtype, 'is(dtype)').name === this.#s.info.name;
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
  get handle(): Handle<D> {
    this.#open('handle');
    return this.#s.ops.handle(this.#s) as Handle<D>;
  }

  /**
   * A handle for worker threads of this process that reuses this mapping: no new mapping, no fd.
   * Post it with `postMessage` or `workerData`; `attach()` it in the worker.
   */
  get threadHandle(): SabHandle<D> {
    this.#open('threadHandle');
    return threadHandleOf(this.#s) as SabHandle<D>;
  }

  /**
   * Writes dirty pages of a file-backed array to disk (msync). A no-op for other backings.
   * `sync: true` waits for the write to finish.
   */
  flush(options: { sync?: boolean } = {}): void {
    const sync = checkOptions(options, 'flush() options', ['sync'])['sync'] === true;
    this.#open('flush');
    const s = this.#s;
    if (s.backing !== 'file' || s.mode !== 'r+' || s.nbytes === 0 || !(s.buffer instanceof SharedArrayBuffer)) return;
    try {
      native().msync(new Uint8Array(s.buffer), s.byteOffset, s.nbytes, sync ? 1 : 0);
    } catch (err) {
      throw fromSystemError(err, 'flush the mapped file', s.path);
    }
  }

  /**
   * Releases this process's claim: closes the fd and, for the creator of a 'shm' segment, removes
   * its name. Memory that a view can still reach stays mapped until the buffer is
   * garbage-collected, so `close()` can never cause a crash; until then the mapping still counts
   * as a user of the segment (it is never swept or pooled from under a view). Except when this is
   * the last holder of a 'shm' or 'memfd' array (no other process or thread holds it, and no
   * thread handle was taken): then the mapping under any view left is replaced by private zero
   * pages, so the memory is freed now; such a stale view reads zeros and its writes stay private.
   * Idempotent.
   */
  close(): void {
    const s = this.#s;
    if (s.closed) return;
    s.closed = true;
    unreachable.unregister(this);
    try {
      if (s.owner && s.ops.closeRemovesName) this.#removeName();
    } finally {
      // Even if removing the name failed: close() cannot be retried (it is idempotent), so the fd
      // would otherwise stay open, liveness lock and all, for the life of the process.
      if (s.fd >= 0) {
        try {
          s.ops.releaseMemory?.(s);
        } catch {
          // Best effort: the memory then goes when the views are collected, as it always could.
        }
        const fd = s.fd;
        s.fd = -1;
        // Quietly: the fd is ours, EBADF would mean it was closed behind our back; nothing leaks.
        closeQuietly(fd);
      }
    }
  }

  /** `close()`, for `using a = attach(handle)`: the array is closed when the block ends. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Removes the name ('shm') or file ('file') so no one else can attach; the array stays usable
   * here and in processes that already attached. Only the creator may unlink. A no-op for
   * memfd, sab and heap, which have no name.
   */
  unlink(): void {
    const s = this.#s;
    if (!s.ops.removeName) return;
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
      s.ops.removeName?.(s);
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

  /**
   * The flat offset in `data` of the element at an n-d index, one integer per dimension:
   * `a.data[a.offset(i, j)]` is NumPy's `a[i, j]`. Each index must lie in `[0, shape[d])`:
   * negative indexes are refused, as NumPy's `ravel_multi_index` refuses them. Follows the array's
   * order (C or F). `offset()` of a 0-d array is 0.
   */
  offset(...index: number[]): number {
    const s = this.#s;
    return offsetOf(index, s.shape, stridesOf(s.shape, 1, s.order), 'offset() index');
  }

  /**
   * A zero-copy view of rows `start` to `end` (exclusive; default: to the last row) of the leading
   * axis, NumPy's `a[start:end]`: shape `[end - start, ...rest]`, `data` a subarray over the same
   * memory, so writes through it reach every process and thread that maps the array.
   * `0 <= start <= end <= shape[0]`; negative or out-of-range rows are refused, not clamped.
   * The view has no close(): it lives as long as the array, and throws ERR_NDSHARE_CLOSED once
   * the array is closed. Only for C-order arrays (and 1-d ones).
   */
  rows(start: number, end?: number): NdView<D> {
    return NdView.of<D>(this.#s, start, end);
  }

  /** Throws: an NdArray cannot be serialized. Post `handle` (or `threadHandle`) and `attach()` it. */
  toJSON(): never {
    throw notCloneable('an NdArray');
  }

  /** For console.log and util.inspect: dtype, shape, backing, path, and the values (NumPy's layout). */
  [kInspectCustom](depth: number, options: FormatOptions): string {
    const s = this.#s;
    return formatArray(
      {
        title: `NdArray<${s.info.name}>`,
        fields: [
          `shape=[${s.shape.join(', ')}]`,
          `backing=${s.backing}`,
          ...(s.closed ? ['closed'] : [
            ...(s.path !== undefined ? [`path=${s.path}`] : []),
            ...(s.mode !== 'r+' ? [`mode=${s.mode}`] : []),
            ...(s.order !== 'C' ? [`order=${s.order}`] : []),
          ]),
        ],
        shape: s.shape,
        steps: stridesOf(s.shape, 1, s.order),
        bool: s.info.name === 'bool',
        data: s.closed ? undefined : s.data,
      },
      { ...options, depth },
    );
  }

  /** `NdArray<float64>[100000000] shm` */
  toString(): string {
    return `NdArray<${this.dtype}>[${this.#s.shape.join(', ')}] ${this.#s.backing}${this.#s.closed ? ' (closed)' : ''}`;
  }
}
