/** File-descriptor level helpers shared by the fd-backed backings (shm, memfd, file): create, attach and open. */
import { constants, ftruncateSync, readSync, statfsSync, writeSync } from 'node:fs';
import { NdshareError, fromSystemError } from '../errors.js';
import { checkMemoryCharge } from './cgroup-memory.js';
import type { DTypeInfo } from './dtype.js';
import { fillFd } from './fill.js';
import { humanSize } from './human-size.js';
import { kLivenessLockLength, kLivenessLockStart, kMaxHeaderLength, kNameRandomBytes, kPreludeLengthV2, kSegmentDataOffset, kSegmentPrefix, kShmDir } from './layout.js';
import { kMapPopulate, kMapPrivate, native, O_CLOEXEC } from './native.js';
import { formatHeader, parseHeader, readPrelude, type NpyHeader } from './npy.js';
import { randomHex } from './random.js';
import { isMainThread } from './thread.js';
import type { Mode } from './validate.js';

/** Flags of every create: a new object only (never an existing one or a link), never inherited. */
export const kCreateFlags = constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | O_CLOEXEC;

/** A fresh segment name: creator pid plus 128 random bits. */
export function newSegmentName(): string {
  return `/${kSegmentPrefix}${process.pid}-${randomHex(kNameRandomBytes)}`;
}

/** Reads and parses the .npy header of an open fd, reading no more than the bounded header. */
export function readHeaderFd(fd: number, fileSize: number, source: string): NpyHeader {
  // One read holds the whole header of every ndshare segment (data at 4096) and NumPy file (64,
  // 128): a second read is only for a longer header.
  const first = new Uint8Array(Math.min(kSegmentDataOffset, fileSize));
  readFully(fd, first, 0);
  const p = readPrelude(first.subarray(0, kPreludeLengthV2), source);
  const end = p.headerStart + p.headerLength;
  if (end > fileSize) {
    throw new NdshareError('ERR_NDSHARE_TRUNCATED', `Expected at least ${end} bytes of header in ${source} but it has ${fileSize} bytes`);
  }
  if (end <= first.length) return parseHeader(first.subarray(0, end), p, source);
  const bytes = new Uint8Array(Math.min(end, kPreludeLengthV2 + kMaxHeaderLength));
  readFully(fd, bytes, 0);
  return parseHeader(bytes, p, source);
}

/** Largest single read (readSync refuses lengths of 2 GiB and more). */
const kReadChunkBytes = 1 << 30;

/** Reads into `into` from `position` until it is full or the file ends; returns the bytes read. */
export function readFully(fd: number, into: Uint8Array, position: number): number {
  let done = 0;
  while (done < into.length) {
    const n = readSync(fd, into, done, Math.min(into.length - done, kReadChunkBytes), position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** statfs f_type of tmpfs (and of /dev/shm): its pages are memory, charged to the memory cgroup. */
const kTmpfsMagic = 0x01021994;

/** Free bytes in `dir` for an unprivileged writer, and whether it is a tmpfs; undefined if statfs fails. */
function freeSpace(dir: string): { free: number; tmpfs: boolean } | undefined {
  try {
    const st = statfsSync(dir);
    return { free: st.bavail * st.bsize, tmpfs: st.type === kTmpfsMagic };
  } catch {
    return undefined;
  }
}

/**
 * Refuses, before anything is allocated, a size the file system cannot hold, or (on a tmpfs) that
 * the memory cgroup cannot take without an OOM kill. A disk file system's page cache is
 * reclaimable, so there the cgroup is not asked.
 */
export function checkCapacity(dir: string, bytes: number, what: string): void {
  const space = freeSpace(dir);
  // No statfs answer: posix_fallocate still turns a full file system into ENOSPC.
  if (space === undefined) return;
  if (space.tmpfs) checkMemoryCharge(bytes, what);
  if (bytes > space.free) throw noSpace(dir, bytes, what, { syscall: 'statfs', free: space.free });
}

/**
 * The ENOSPC of a request that does not fit in `dir`: what it needs, what is free, and the fixes.
 * `checkCapacity()` raises it before anything is allocated; a backing raises it (with the failed
 * call, `posix_fallocate` or `write`) when another process took the space after that check.
 */
export function noSpace(dir: string, bytes: number, what: string, how: { syscall: string; free?: number; cause?: unknown }): NdshareError {
  const free = how.free ?? freeSpace(dir)?.free;
  const failed = how.syscall === 'statfs' ? '' : `${how.syscall} failed with ENOSPC: `;
  const has = free === undefined ? '' : ` but ${dir} has ${humanSize(free)} free`;
  return new NdshareError('ENOSPC', `Not enough space in ${dir} for ${what}: ${failed}it needs ${humanSize(bytes)}${has}. ${spaceFixes(dir)}`, {
    syscall: how.syscall,
    path: dir,
    ...(how.cause === undefined ? {} : { cause: how.cause }),
  });
}

/** True for an ENOSPC from the kernel (posix_fallocate, write) that is not yet an ndshare message. */
export function isNoSpace(err: unknown): boolean {
  return !(err instanceof NdshareError) && typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ENOSPC';
}

/** The failed system call named by a Node or addon error, or 'unknown'. */
export function syscallOf(err: unknown): string {
  const s = (err as { syscall?: unknown } | null)?.syscall;
  return typeof s === 'string' ? s : 'unknown';
}

function spaceFixes(dir: string): string {
  if (dir !== kShmDir) return `Free space in ${dir}, put the file on a larger file system, or use a smaller array`;
  // memfd pages live in the kernel's internal tmpfs, not in the /dev/shm mount, so its size does
  // not bound them; the memory cgroup charges them all the same (see cgroup-memory.ts).
  return (
    'Make /dev/shm larger (Docker: --shm-size, e.g. --shm-size=1g; elsewhere: mount -o remount,size=<size> /dev/shm), ' +
    'remove segments left behind (ndshare ls, ndshare sweep), use a smaller array, ' +
    "or use backing 'memfd', whose pages are not counted against the size of /dev/shm (they still count toward the memory cgroup limit)"
  );
}

/** Takes this fd's shared liveness lock (never blocks: only sweepers take it exclusively). */
export function holdLiveness(fd: number, source: string): void {
  try {
    if (!native().ofdLock(fd, 1, kLivenessLockStart, kLivenessLockLength, false)) {
      // A sweeper holds it exclusively: the segment is being reclaimed right now.
      throw new NdshareError('ENOENT', `Failed to attach ${source}: ENOENT. The segment is being removed as abandoned`, { path: source });
    }
  } catch (err) {
    throw fromSystemError(err, 'lock', source);
  }
}

/**
 * Maps the data of an open .npy fd. Data on a page boundary is mapped alone; otherwise (files
 * written by NumPy, whose data starts at 64 or 128) the file is mapped from 0 and viewed at offset.
 */
export function mapData(
  fd: number,
  dataOffset: number,
  nbytes: number,
  mode: Mode,
  populate: boolean,
  source: string,
): { buffer: SharedArrayBuffer; byteOffset: number } {
  if (nbytes === 0) return { buffer: new SharedArrayBuffer(0), byteOffset: 0 };
  const n = native();
  const flags = (mode === 'r+' ? 0 : kMapPrivate) | (populate ? kMapPopulate : 0);
  try {
    if (dataOffset % n.pageSize === 0) return { buffer: n.mmap(fd, nbytes, dataOffset, flags), byteOffset: 0 };
    return { buffer: n.mmap(fd, dataOffset + nbytes, 0, flags), byteOffset: dataOffset };
  } catch (err) {
    throw fromSystemError(err, `map ${nbytes} bytes of ${source}`, source);
  }
}

/**
 * Marks an fd that an NdArray keeps to be closed when this worker thread ends, terminate()
 * included. Without it, an array a worker never closed would keep its fd, and with it the shm
 * liveness lock, for the rest of the process's life. No-op on the main thread (process exit
 * closes everything).
 */
export function keepFd(fd: number): void {
  if (fd >= 0 && !isMainThread()) native().closeOnThreadExit(fd);
}

/**
 * Closes an fd without masking an error being reported. Also forgets a keepFd() registration
 * first, so the thread-exit hook can never close an unrelated file that reused the number.
 */
export function closeQuietly(fd: number): void {
  if (fd < 0) return;
  try {
    if (!isMainThread()) native().cancelCloseOnThreadExit(fd);
  } catch {
    // Without the addon nothing was registered.
  }
  try {
    // Natively, like every fd an NdArray keeps (see openFd in native/mem.cc for why not node:fs).
    native().closeFd(fd);
  } catch {
    // Best effort: the caller is already reporting the error that matters.
  }
}

/** A fill value checked against the dtype, or undefined for zeroed memory. */
export type Fill = number | bigint | undefined;

/**
 * Sizes the fd, reserves every block, writes the header, fills, maps the data.
 *
 * A fill is written through the fd (pwritev of a repeated pattern, fill.ts) rather than through the mapping:
 * on tmpfs a written page is allocated without being zeroed first and without a page fault, so
 * this is one pass over the memory instead of three (zero in fallocate, fault in, fill), and a
 * full file system still fails here, as ENOSPC from pwritev. So where writes allocate exactly
 * (`reserveByWrite`: tmpfs, for shm and memfd) a filled array skips posix_fallocate. A fill of
 * zero bits needs no writing at all: reserved memory starts zeroed.
 */
export function initializeFd(fd: number, info: DTypeInfo, shape: readonly number[], nbytes: number, fill: Fill, reserveByWrite: boolean, source: string): { buffer: SharedArrayBuffer; byteOffset: number } {
  const total = kSegmentDataOffset + nbytes;
  const header = formatHeader(info.descr, shape, kSegmentDataOffset);
  const write = fill !== undefined && !isZeroBits(fill) && nbytes > 0;
  ftruncateSync(fd, total);
  if (!write || !reserveByWrite) native().fallocate(fd, 0, total);
  writeAll(fd, header, 0);
  if (write) fillFd(fd, kSegmentDataOffset, nbytes, info, fill);
  return mapData(fd, kSegmentDataOffset, nbytes, 'r+', false, source);
}

function isZeroBits(fill: number | bigint): boolean {
  return fill === 0n || (fill === 0 && !Object.is(fill, -0));
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

