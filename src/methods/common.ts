/** Small pieces the method files share: byte views, plans without data, received copies. */
import { dtypeInfo, resolveDType, type DType } from '../core/dtype.js';
import { invalid, NdshareError } from '../errors.js';
import { allocate, heapOps } from '../core/backings/heap.js';
import { native } from '../core/native.js';
import { wrap, type NdArray } from '../core/ndarray.js';
import { checkShape, sizeOf } from '../core/validate.js';
import type { MethodParams, ProcessPlan, ThreadPlan } from './types.js';
import type { TransferListItem } from 'node:worker_threads';

/** The bytes of an array's elements, as a view (no copy). */
export function bytesOf(array: NdArray): Uint8Array {
  const d = array.data;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}



/** A process plan that only passes JSON params (the zero-copy methods). */
export function paramsProcessPlan(params: unknown, extra: Partial<Pick<ProcessPlan, 'inherit' | 'dispose'>> = {}): ProcessPlan {
  return {
    params,
    serialization: 'json',
    extraStdio: [],
    inherit: extra.inherit ?? [],
    start: async () => {},
    dispose: extra.dispose ?? (async () => {}),
  };
}

/** A thread plan that only passes params in workerData. */
export function paramsThreadPlan(params: unknown, transferList: readonly TransferListItem[] = []): ThreadPlan {
  return { params, transferList, start: async () => {}, dispose: async () => {} };
}

/**
 * A new heap array that a copy is about to fill (the receiver's destination): its pages are
 * advised huge and mapped in one call (native prepareHeap), not faulted 4 KiB at a time by the
 * copy. Advice only: without the addon it is a plain heap array.
 */
export function destinationArray(dtype: DType, shape: readonly number[]): NdArray {
  const array = newHeapArray(dtype, shape);
  if (array.nbytes >= kPrepareMinBytes) {
    try {
      native().prepareHeap(bytesOf(array));
    } catch {
      // No native addon: the copy faults the pages in as usual.
    }
  }
  return array;
}

/** Below this, page faults cost too little to be worth a system call. */
const kPrepareMinBytes = 4 * 1024 * 1024;

/**
 * A new zeroed heap array of a checked dtype and shape: what `create({ backing: 'heap' })` makes,
 * without loading every backing (core/create.ts): a receiver or the manager server starts faster.
 */
export function newHeapArray(dtype: DType, shape: readonly number[]): NdArray {
  const nbytes = sizeOf(shape, dtypeInfo(dtype)).nbytes;
  return heapArray(dtype, shape, allocate((n) => new ArrayBuffer(n), nbytes, 'heap'), 0);
}

/** A heap NdArray over bytes received by copy (no further copy). */
export function heapArray(dtype: DType, shape: readonly number[], buffer: ArrayBuffer, byteOffset: number): NdArray {
  return wrap({ ops: heapOps, info: dtypeInfo(dtype), shape, buffer, byteOffset, owner: true });
}

/**
 * Default bytes per IPC message for 'queue' to a process: small, so the serializer's and the
 * channel's buffers stay small and reused (one V8-serialized message must stay under 2 GiB).
 */
export const kDefaultQueueChunkBytes = 256 * 1024;
/** Default bytes per postMessage for 'queue' to a worker (each chunk is copied once and transferred). */
export const kDefaultQueueThreadChunkBytes = 2 ** 30;

/** Reads `params.chunkBytes`, checked, or the default. */
export function chunkBytesOf(params: MethodParams, fallback: number): number {
  const c = params.chunkBytes ?? fallback;
  if (typeof c !== 'number' || !Number.isSafeInteger(c) || c < 1) invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'a positive integer number of bytes', 'options.chunkBytes', c);
  return c;
}

/** The dtype and shape every copying method sends ahead of the data. */
export interface ArrayHeader {
  readonly dtype: DType;
  readonly shape: readonly number[];
}

/** Checks a header that came from the parent (JSON or clone) before allocating anything. */
export function checkHeader(value: unknown, what: string): ArrayHeader & { nbytes: number; size: number } {
  const h = value as Partial<ArrayHeader> | null;
  if (typeof h !== 'object' || h === null || typeof h.dtype !== 'string' || !Array.isArray(h.shape)) {
    return invalid('ERR_NDSHARE_PROTOCOL', 'a { dtype, shape } header', what, value);
  }
  const info = resolveDType(h.dtype, `${what}.dtype`);
  const shape = checkShape(h.shape, `${what}.shape`);
  const { size, nbytes } = sizeOf(shape, info);
  return { dtype: info.name, shape, size, nbytes };
}

/** The chunk count a chunked copying method (queue, queue-json) announces in its header. */
export function chunkCountOf(header: unknown, what: string): number {
  const chunks = (header as { chunks?: unknown }).chunks;
  if (typeof chunks !== 'number' || !Number.isSafeInteger(chunks) || chunks < 0) throw new NdshareError('ERR_NDSHARE_PROTOCOL', `Expected a chunk count in the ${what}`);
  return chunks;
}
