/** create(): a new array on any backing. */
import { constants, fchmodSync, fstatSync, ftruncateSync, lstatSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { resolveDType, type DType, type DTypeInfo } from './dtype.js';
import { fromSystemError, invalid, NdshareError } from './errors.js';
import { kLivenessLockLength, kLivenessLockStart, kSegmentDataOffset, kShmDir } from './layout.js';
import { MFD_CLOEXEC, native, O_CLOEXEC } from './native.js';
import { formatHeader } from './npy.js';
import { BACKINGS, wrap, type ArrayState, type Backing, type NdArray } from './ndarray.js';
import { registerOwned, releaseOwned } from './cleanup.js';
import { checkCapacity, closeQuietly, keepFd, mapData, newSegmentName } from './segment.js';
import { sweepIfDue } from './sweep.js';
import { checkFill, checkOptions, checkShape, sizeOf } from './validate.js';

/** Options for `create()`. */
export interface CreateOptions<D extends DType = DType> {
  /** Element type: a NumPy name ('float64') or little-endian descr ('<f8'). */
  dtype: D | string;
  /** Dimensions; a number is a 1-d shape. `[]` is a 0-d array (one element). */
  shape: readonly number[] | number;
  /** Where the memory lives. Default 'shm'. */
  backing?: Backing;
  /** For backing 'file': the .npy path to create (must not exist). */
  path?: string;
  /** Value for every element. Without it, memory starts zeroed. */
  fill?: number | bigint | boolean;
  /** For backing 'file': permission bits of the new file (default 0o600). */
  mode?: number;
}

const kCreateFlags = constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | O_CLOEXEC;
const kSegmentMode = 0o600;

/**
 * Creates an array. Shared backings ('shm', 'memfd', 'file') reserve all their space up front, so
 * a full file system fails here with ENOSPC rather than later with SIGBUS.
 */
export function create<D extends DType>(options: CreateOptions<D>): NdArray<D> {
  const o = checkOptions(options, 'create() options');
  const info = resolveDType(o['dtype'], 'options.dtype');
  const shape = checkShape(o['shape'], 'options.shape');
  const backing = (o['backing'] ?? 'shm') as Backing;
  if (!BACKINGS.includes(backing)) invalid('ERR_NDSHARE_INVALID_ARGUMENT', `one of ${BACKINGS.map((b) => `'${b}'`).join(', ')}`, 'options.backing', o['backing']);
  const fill = checkFill(o['fill'], info);
  const { size, nbytes } = sizeOf(shape, info);
  if (o['path'] !== undefined && backing !== 'file') invalid('ERR_NDSHARE_INVALID_ARGUMENT', "no path unless backing is 'file'", 'options.path', o['path']);
  if (o['mode'] !== undefined && backing !== 'file') {
    invalid('ERR_NDSHARE_INVALID_ARGUMENT', "no mode unless backing is 'file' (segments are always 0600)", 'options.mode', o['mode']);
  }
  const base = { info, shape, order: 'C' as const, mode: 'r+' as const, size, nbytes };
  let state: Omit<ArrayState, 'data'>;
  switch (backing) {
    case 'sab':
    case 'heap': {
      const buffer = allocate(backing, nbytes);
      state = { ...base, backing, buffer, byteOffset: 0, fd: -1, owner: true, closed: false };
      break;
    }
    case 'shm':
      state = { ...base, ...createShm(info, shape, nbytes, fill) };
      break;
    case 'memfd':
      state = { ...base, ...createMemfd(info, shape, nbytes, fill) };
      break;
    case 'file':
      state = { ...base, ...createFile(o['path'], o['mode'], info, shape, nbytes, fill) };
      break;
  }
  const array = wrap<D>(state);
  // Shared backings were filled through the fd by initialize(); only sab and heap are filled here.
  if (fill !== undefined && (backing === 'sab' || backing === 'heap')) (array.data as { fill(v: number | bigint): unknown }).fill(fill);
  return array;
}

/** Allocates sab/heap memory, turning V8's RangeError into the errno-style error users branch on. */
function allocate(backing: 'sab' | 'heap', nbytes: number): SharedArrayBuffer | ArrayBuffer {
  try {
    return backing === 'sab' ? new SharedArrayBuffer(nbytes) : new ArrayBuffer(nbytes);
  } catch (err) {
    throw new NdshareError('ENOMEM', `Failed to allocate ${nbytes} bytes for a '${backing}' array: ENOMEM. Not enough memory to map the array`, { cause: err });
  }
}

type Created = Pick<ArrayState, 'backing' | 'buffer' | 'byteOffset' | 'fd' | 'name' | 'path' | 'owner' | 'closed'>;

type Fill = number | bigint | undefined;

/** Largest buffer used to write a fill pattern through the fd. */
const kFillChunkBytes = 8 << 20;

/**
 * Sizes the fd, reserves every block, writes the header, fills, maps the data.
 *
 * A fill is written through the fd (pwrite of a repeated pattern) rather than through the mapping:
 * on tmpfs a written page is allocated without being zeroed first and without a page fault, so
 * this is one pass over the memory instead of three (zero in fallocate, fault in, fill), and a
 * full file system still fails here, as ENOSPC from write. So where writes allocate exactly
 * (`reserveByWrite`: tmpfs, for shm and memfd) a filled array skips posix_fallocate. A fill of
 * zero bits needs no writing at all: reserved memory starts zeroed.
 */
function initialize(fd: number, info: DTypeInfo, shape: readonly number[], nbytes: number, fill: Fill, reserveByWrite: boolean, source: string) {
  const total = kSegmentDataOffset + nbytes;
  const header = formatHeader(info.descr, shape, kSegmentDataOffset);
  const write = fill !== undefined && !isZeroBits(fill) && nbytes > 0;
  ftruncateSync(fd, total);
  if (!write || !reserveByWrite) native().fallocate(fd, 0, total);
  writeAll(fd, header, 0);
  if (write) writePattern(fd, info, fill, nbytes);
  return mapData(fd, kSegmentDataOffset, nbytes, 'r+', false, source);
}

function isZeroBits(fill: number | bigint): boolean {
  return fill === 0n || (fill === 0 && !Object.is(fill, -0));
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

function writePattern(fd: number, info: DTypeInfo, fill: number | bigint, nbytes: number): void {
  const chunk = new info.ctor(new ArrayBuffer(Math.min(kFillChunkBytes, nbytes)));
  (chunk as { fill(v: number | bigint): unknown }).fill(fill);
  const bytes = new Uint8Array(chunk.buffer);
  for (let off = 0; off < nbytes; off += bytes.length) {
    writeAll(fd, off + bytes.length <= nbytes ? bytes : bytes.subarray(0, nbytes - off), kSegmentDataOffset + off);
  }
}

function createShm(info: DTypeInfo, shape: readonly number[], nbytes: number, fill: Fill): Created {
  const n = native();
  sweepIfDue();
  checkCapacity(kShmDir, kSegmentDataOffset + nbytes, `a shm segment of ${nbytes} bytes`);
  for (;;) {
    const name = newSegmentName();
    let fd = -1;
    try {
      fd = n.shmOpen(name, kCreateFlags, kSegmentMode);
      registerOwned(name);
      // Until this lock is held the fresh segment looks dead: a sweeper may hold it exclusively
      // right now, or have unlinked it already. Either way, start over with a new name.
      if (!n.ofdLock(fd, 1, kLivenessLockStart, kLivenessLockLength, false) || fstatSync(fd).nlink === 0) {
        releaseOwned(name);
        closeQuietly(fd);
        continue;
      }
      // umask can only clear bits, but make the mode exact whatever the umask.
      fchmodSync(fd, kSegmentMode);
      const { buffer } = initialize(fd, info, shape, nbytes, fill, true, name);
      keepFd(fd);
      return { backing: 'shm', buffer, byteOffset: 0, fd, name, path: `${kShmDir}${name}`, owner: true, closed: false };
    } catch (err) {
      closeQuietly(fd);
      if (fd >= 0) {
        releaseOwned(name);
        try {
          n.shmUnlink(name);
        } catch {
          // Already gone.
        }
      }
      throw fromSystemError(err, `create a shm segment of ${nbytes} bytes`, name);
    }
  }
}

function createMemfd(info: DTypeInfo, shape: readonly number[], nbytes: number, fill: Fill): Created {
  let fd = -1;
  try {
    fd = native().memfdCreate('ndshare', MFD_CLOEXEC);
    const { buffer } = initialize(fd, info, shape, nbytes, fill, true, 'memfd');
    keepFd(fd);
    return { backing: 'memfd', buffer, byteOffset: 0, fd, path: `/proc/${process.pid}/fd/${fd}`, owner: true, closed: false };
  } catch (err) {
    closeQuietly(fd);
    throw fromSystemError(err, `create a memfd of ${nbytes} bytes`);
  }
}

function createFile(pathArg: unknown, modeArg: unknown, info: DTypeInfo, shape: readonly number[], nbytes: number, fill: Fill): Created {
  if (typeof pathArg !== 'string' || pathArg.length === 0 || pathArg.includes('\0')) {
    return invalid('ERR_NDSHARE_INVALID_ARGUMENT', "a file path for backing 'file'", 'options.path', pathArg);
  }
  const mode = modeArg ?? kSegmentMode;
  if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 0o777) {
    return invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'permission bits between 0 and 0o777', 'options.mode', modeArg);
  }
  const path = resolve(pathArg);
  checkCapacity(dirname(path), kSegmentDataOffset + nbytes, `the file ${path}`);
  let fd = -1;
  try {
    fd = native().openFd(path, kCreateFlags, mode);
  } catch (err) {
    // With O_CREAT|O_EXCL the kernel reports a symlink as EEXIST (it never gets to O_NOFOLLOW);
    // say ELOOP instead, so the caller learns that the path is a link and was not followed.
    if ((err as { code?: unknown }).code === 'EEXIST' && lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) {
      throw fromSystemError({ code: 'ELOOP', syscall: 'open', cause: err }, 'create the file', path);
    }
    throw fromSystemError(err, 'create the file', path);
  }
  try {
    fchmodSync(fd, mode);
    const { buffer } = initialize(fd, info, shape, nbytes, fill, false, path);
    keepFd(fd);
    return { backing: 'file', buffer, byteOffset: 0, fd, path, owner: true, closed: false };
  } catch (err) {
    closeQuietly(fd);
    try {
      // The file is ours (O_EXCL created it): remove the partial file so a failed create leaves nothing.
      unlinkSync(path);
    } catch {
      // Best effort: the error below is the one to report.
    }
    throw fromSystemError(err, `create the file of ${nbytes} bytes`, path);
  }
}
