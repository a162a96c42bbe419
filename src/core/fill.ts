/**
 * Fills of large arrays through their fd (native/fill.cc), and the thread count for work that
 * splits over the cores (prefault.ts). Measured on a 2-core Linux 6.18 VM (docs/benchmark.md,
 * "Fills, floors, prefault and receiver start"): writes through one tmpfs fd do not scale with
 * threads (the kernel serializes writers of one file on its inode lock), and filling through a
 * mapping with one thread per core was 10-20x slower than one writer through the fd (page faults
 * and first touches of a mapping are expensive there), for fresh and for pooled pages alike. So
 * every fill is one pwritev writer; a prefault splits over the cores. node:os is taken when a job
 * is large enough to split, not at import: a receiver that never prefaults does not load it.
 */
import type { DTypeInfo } from './dtype.js';
import { native } from './native.js';

/** Below this many bytes one thread does the whole job: starting threads would cost more than it saves. */
export const kParallelMinBytes = 32 << 20;

/** Threads for a job over `nbytes` of memory: one per core, each with at least kParallelMinBytes / 2. */
export function threadsFor(nbytes: number): number {
  if (nbytes < kParallelMinBytes) return 1;
  return Math.max(1, Math.min(process.getBuiltinModule('node:os').availableParallelism(), Math.floor(nbytes / (kParallelMinBytes / 2))));
}

/** The little-endian bytes of one element holding `fill` (undefined: zero bits). */
export function itemBytes(info: DTypeInfo, fill: number | bigint | undefined): Uint8Array {
  const one = new info.ctor(new ArrayBuffer(info.itemsize));
  if (fill !== undefined) (one as { fill(v: number | bigint): unknown }).fill(fill);
  return new Uint8Array(one.buffer);
}

/**
 * Writes `fill` (undefined: zero bits) over `nbytes` bytes of `fd` from `position`, one pwritev
 * writer of a cached pattern: on tmpfs each page is allocated as it is written, neither zeroed
 * first nor faulted, and a full file system fails here with ENOSPC (syscall 'pwritev'), never
 * later with SIGBUS.
 */
export function fillFd(fd: number, position: number, nbytes: number, info: DTypeInfo, fill: number | bigint | undefined): void {
  native().fillFd(fd, position, nbytes, itemBytes(info, fill), 1);
}
