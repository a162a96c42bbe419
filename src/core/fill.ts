/**
 * Fills of large arrays, split over the machine's cores where that pays (native/fill.cc does the
 * work; prefault.ts maps pages ahead of a reader the same way). Measured on a 2-core Linux 6.18 VM (docs/benchmark.md, "Parallel fill and
 * prefault"): writes through one tmpfs fd do not scale with threads (the kernel serializes writers
 * of one file on its inode lock), so a create's fill stays on one thread; a fill of pages that are
 * already mapped (a pooled segment) and a prefault do, so they use one thread per core.
 */
import { availableParallelism } from 'node:os';
import type { DTypeInfo } from './dtype.js';
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
