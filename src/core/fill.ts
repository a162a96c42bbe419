/**
 * Fills and prefaults of large arrays, split over the machine's cores where that pays (native/fill.cc
 * does the work). Measured on a 2-core Linux 6.18 VM (docs/benchmark.md, "Parallel fill and
 * prefault"): writes through one tmpfs fd do not scale with threads (the kernel serializes writers
 * of one file on its inode lock), so a create's fill stays on one thread; a fill of pages that are
 * already mapped (a pooled segment) and a prefault do, so they use one thread per core.
 */
import { availableParallelism } from 'node:os';
import { fromSystemError, invalid } from '../errors.js';
import type { DTypeInfo } from './dtype.js';
import type { NdArray } from './ndarray.js';
import { native } from './native.js';

/** Below this many bytes one thread does the whole job: starting threads would cost more than it saves. */
export const kParallelMinBytes = 32 << 20;

/** Threads for a job over `nbytes` of memory: one per core, each with at least kParallelMinBytes / 2. */
export function threadsFor(nbytes: number): number {
  if (nbytes < kParallelMinBytes) return 1;
  return Math.max(1, Math.min(availableParallelism(), Math.floor(nbytes / (kParallelMinBytes / 2))));
}

/** The little-endian bytes of one element holding `fill` (what every element of a filled array holds). */
export function itemBytes(info: DTypeInfo, fill: number | bigint): Uint8Array {
  const one = new info.ctor(new ArrayBuffer(info.itemsize));
  (one as { fill(v: number | bigint): unknown }).fill(fill);
  return new Uint8Array(one.buffer);
}

/**
 * Writes `fill` over `nbytes` bytes of `fd` from `position` (pwritev of a cached pattern): on tmpfs
 * each page is allocated as it is written, neither zeroed first nor faulted, and a full file
 * system fails here with ENOSPC (syscall 'pwritev'), never later with SIGBUS.
 */
export function fillFd(fd: number, position: number, nbytes: number, info: DTypeInfo, fill: number | bigint): void {
  native().fillFd(fd, position, nbytes, itemBytes(info, fill), 1);
}

/** Fills the memory of `view` (over a SharedArrayBuffer) with `fill`, one thread per core for large views. */
export function fillShared(view: Uint8Array, info: DTypeInfo, fill: number | bigint): void {
  native().fillView(view, itemBytes(info, fill), threadsFor(view.byteLength));
}

/**
 * Maps every page under `view` into this process for reading now (MADV_POPULATE_READ, Linux 5.14;
 * older kernels read one byte per page), one thread per core for large views, so that a reader
 * that visits every element takes no page fault per 4 KiB. A view over a non-shared ArrayBuffer
 * (a heap copy, already written by this process) has nothing to prefault.
 */
export function prefaultView(view: Uint8Array): void {
  if (view.byteLength === 0 || !(view.buffer instanceof SharedArrayBuffer)) return;
  native().prefault(view, threadsFor(view.byteLength));
}

/** `options.prefault`: a boolean, default false. */
export function checkPrefault(value: unknown, what = 'options.prefault'): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'a boolean', what, value);
  return value;
}

/** Maps every page of the array's memory now (see AttachOptions.prefault); closes it if that fails. */
export function prefaultArray(array: NdArray): void {
  if (array.nbytes === 0) return;
  const d = array.data as unknown as { buffer: ArrayBufferLike; byteOffset: number };
  try {
    prefaultView(new Uint8Array(d.buffer, d.byteOffset, array.nbytes));
  } catch (err) {
    array.close();
    throw fromSystemError(err, 'prefault the pages of an array');
  }
}
