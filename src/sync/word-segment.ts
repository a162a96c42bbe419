/**
 * The small shared segment behind a Mutex or a Barrier: an int32 .npy array of kSyncWords words
 * made by the core's create()/attach(), so it gets the core's naming, liveness lock, creator
 * cleanup and sweeping for free, and `numpy.load()` can even inspect it.
 */
import { attach } from '../core/attach.js';
import { create } from '../core/create.js';
import { NdshareError, invalid } from '../errors.js';
import { checkHandle, type MemfdHandle, type ShmHandle } from '../core/handle.js';
import { kSyncKindWord, kSyncWords } from './layout.js';
import { stateOf, type NdArray } from '../core/ndarray.js';

/**
 * Where a lock or barrier lives. Both need an fd (owner liveness is an OFD lock), so the fd-less
 * 'sab' and 'heap' backings are not offered; 'memfd' serves threads of one process and children.
 */
export type SyncBacking = 'shm' | 'memfd';

/** The part of a sync handle that names the segment. */
export type SyncSegmentHandle = ShmHandle<'int32'> | MemfdHandle<'int32'>;

/** Owns one mapping and one fd of a sync segment in this thread. */
export class SyncSegment {
  readonly #array: NdArray<'int32'>;
  readonly #fd: number;
  /** The segment's words, shared with every process and thread that attached it. */
  readonly words: Int32Array;
  /** The mapping, for futex calls (which take the buffer and a byte offset). */
  readonly buffer: SharedArrayBuffer;

  private constructor(array: NdArray<'int32'>) {
    this.#array = array;
    const s = stateOf(array);
    this.#fd = s.fd;
    if (!(s.buffer instanceof SharedArrayBuffer) || s.byteOffset !== 0 || this.#fd < 0) {
      throw new NdshareError('ERR_NDSHARE_UNSUPPORTED', 'Expected a page-aligned shared mapping with an fd for a sync segment but the core returned another layout');
    }
    this.buffer = s.buffer;
    this.words = array.data;
    // The core closes a worker's kept fds when the worker ends (terminate() included), so the
    // owner-liveness lock on this fd falls with the thread.
  }

  /** Creates a fresh segment of one kind. */
  static create(kind: number, backing: unknown, what: string): SyncSegment {
    const b = backing ?? 'shm';
    if (b !== 'shm' && b !== 'memfd') invalid('ERR_NDSHARE_INVALID_ARGUMENT', "'shm' or 'memfd'", what, backing);
    const seg = new SyncSegment(create({ dtype: 'int32', shape: [kSyncWords], backing: b }));
    Atomics.store(seg.words, kSyncKindWord, kind);
    return seg;
  }

  /** Attaches an existing segment and checks that it holds the expected kind of object. */
  static attach(handle: unknown, kind: number, kindName: string, what: string): SyncSegment {
    const h = checkHandle(handle, what);
    if ((h.backing !== 'shm' && h.backing !== 'memfd') || h.dtype !== 'int32' || h.shape.length !== 1 || h.shape[0] !== kSyncWords) {
      return invalid('ERR_NDSHARE_INVALID_HANDLE', `the segment of a ${kindName} (int32[${kSyncWords}] on 'shm' or 'memfd')`, what, handle);
    }
    const seg = new SyncSegment(attach(h, { dtype: 'int32' }));
    const found = Atomics.load(seg.words, kSyncKindWord);
    if (found !== kind) {
      seg.close();
      throw new NdshareError('ERR_NDSHARE_INVALID_HANDLE', `Expected the segment of a ${kindName} for ${what} but received a segment of kind 0x${(found >>> 0).toString(16)}`);
    }
    return seg;
  }

  /** The file descriptor (for OFD locks). Valid until close(). */
  get fd(): number {
    return this.#fd;
  }

  /** The segment's handle (JSON). */
  get handle(): SyncSegmentHandle {
    return this.#array.handle as SyncSegmentHandle;
  }

  get closed(): boolean {
    return this.#array.closed;
  }

  /** Closes the fd (dropping every lock this fd held) and, for the creator, the name. Idempotent. */
  close(): void {
    if (this.#array.closed) return;
    this.#array.close();
  }
}
