/**
 * Mapping the .npy layout behind an open fd, after validating it (header, size, dtype and shape
 * against a handle, ownership and liveness for shm segments): the one path every fd-backed attach,
 * open and inherited array goes through.
 */
import { constants, fstatSync, lstatSync, type Stats } from 'node:fs';
import type { DType, DTypeInfo } from './dtype.js';
import { fromSystemError, NdshareError } from '../errors.js';
import { heapOps } from './backings/heap.js';
import { closeQuietly, holdLiveness, keepFd, mapData, readFully, readHeaderFd } from './fd.js';
import { kShmDir } from './layout.js';
import { native, O_CLOEXEC } from './native.js';
import { wrap, type BackingOps, type NdArray } from './ndarray.js';
import type { NpyHeader } from './npy.js';
import type { Mode, Order } from './validate.js';

// A FIFO planted where a segment or .npy file is expected would block open() forever; with
// O_NONBLOCK it opens at once and is then refused as not a regular file.
const O_NONBLOCK = constants.O_NONBLOCK;

/** Open flags for mapping in `mode`: never blocking, never inherited by children. */
export function attachFlags(mode: Mode): number {
  return (mode === 'r+' ? constants.O_RDWR : constants.O_RDONLY) | O_CLOEXEC | O_NONBLOCK;
}

/** What mapFd() checks and records. */
export interface MapRules {
  /** From a handle: what the header must say. */
  expect?: { info: DTypeInfo; shape: readonly number[] };
  /** From a handle: the order the creator saw. */
  order?: Order;
  convert?: 'refuse' | 'copy';
  allowFortran?: boolean;
  /** For 'memfd' from a handle: the inode the fd must hold (else its number was reused). */
  ino?: number;
  /**
   * A named shm segment: refuse another user's or a group/world-accessible one, hold the liveness
   * lock, and record its name (`name`, when `source` is not it: an inherited fd).
   */
  segment?: boolean;
  name?: string;
  /**
   * For 'shm': refuse a segment whose name is gone (default). An attach by name that loses the
   * race with a sweeper must fail; an inherited fd is valid memory whatever happened to the name.
   */
  requireName?: boolean;
  /**
   * For 'memfd': hold the shared liveness lock as segments do (this fd is a new open file
   * description), so the pool and the last holder's close() see that this process maps it.
   */
  liveness?: boolean;
}

/**
 * Linux open(2) flag missing from fs.constants: opens the name only (fstat works, read and write
 * do not), so the object behind it notices nothing: no FIFO partner released, no device opened.
 */
const O_PATH = 0o10000000;

/**
 * Opens a path for mapping (the kernel follows links here: attach by path is the caller's choice).
 * Looks first and opens second: the path is opened with O_PATH and refused unless it is a regular
 * file, and only then is that same inode opened for reading (and writing), through
 * /proc/self/fd. Opening a FIFO read-write, even non-blocking, would complete the open of a
 * reader waiting at its other end; opening a device runs its driver's open.
 */
export function openForMap(path: string, mode: Mode): number {
  const n = native();
  let probe: number;
  try {
    probe = n.openFd(path, O_PATH | O_CLOEXEC, 0);
  } catch (err) {
    throw fromSystemError(err, 'open', path);
  }
  try {
    const st = fstatSync(probe);
    // What opening a directory for mapping has always said (and no open has side effects on one).
    if (st.isDirectory()) throw fromSystemError({ code: 'EISDIR', syscall: 'open' }, 'open', path);
    if (!st.isFile()) throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', `Expected a regular file at ${path} but it is ${kindOf(st)}`, { path });
    return reopen(probe, st, path, mode);
  } catch (err) {
    throw fromSystemError(err, 'open', path);
  } finally {
    closeQuietly(probe);
  }
}

/**
 * For opens that cannot go through /proc/self/fd (shm_open by name): looks at `path` without
 * following a link and refuses anything but a regular file before the caller opens it with access.
 * A missing path passes: the caller's own open reports it.
 */
export function refuseNonRegular(path: string): void {
  // lstat sees what an O_PATH | O_NOFOLLOW open and fstat would see, in one call instead of three
  // (this runs on every attach by name); neither closes the window before the caller's open,
  // which the checks after it (fstat of the opened fd) cover.
  let st: Stats | undefined;
  try {
    st = lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return;
  }
  if (st !== undefined && !st.isFile()) throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', `Expected a regular file at ${path} but it is ${st.isSymbolicLink() ? 'a symbolic link' : kindOf(st)}`, { path });
}

/** Opens the inode behind an O_PATH fd with the flags of `mode` (the name may have changed since). */
function reopen(probe: number, st: Stats, path: string, mode: Mode): number {
  const n = native();
  try {
    return n.openFd(`/proc/self/fd/${probe}`, attachFlags(mode), 0);
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ENOENT') throw err;
  }
  // No /proc: open the name again, and keep the fd only if it still names the inode we checked.
  const fd = n.openFd(path, attachFlags(mode), 0);
  const now = fstatSync(fd);
  if (now.ino !== st.ino || now.dev !== st.dev) {
    closeQuietly(fd);
    throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', `Expected the regular file at ${path} to stay in place while it was opened but it was replaced`, { path });
  }
  return fd;
}

/** What a non-regular file is, for messages. */
function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not one';
}

/**
 * Refuses a segment another user owns or that others could read or write. "User" is the effective
 * uid: the one the kernel makes the owner of what this process creates, and checks on open.
 */
function checkSegmentOwnership(st: Stats, name: string): void {
  const uid = process.geteuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new NdshareError('ERR_NDSHARE_PERMISSION', `Expected segment ${name} to belong to uid ${uid} but it belongs to uid ${st.uid}; ndshare attaches only its own user's segments`, { path: name });
  }
  if ((st.mode & 0o077) !== 0) {
    throw new NdshareError(
      'ERR_NDSHARE_PERMISSION',
      `Expected segment ${name} to have mode 0600 but it has ${(st.mode & 0o777).toString(8).padStart(4, '0')}; a group- or world-accessible segment may have been tampered with`,
      { path: name },
    );
  }
}

/**
 * Validates the .npy layout behind an open fd and maps it. Takes ownership of `fd`: it is kept by
 * the NdArray or closed on error.
 */
export function mapFd<D extends DType>(
  fd: number,
  source: string,
  ops: BackingOps,
  mode: Mode,
  rules: MapRules,
  pathOf: (fd: number) => string,
): NdArray<D> {
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', `Expected a regular file at ${source} but it is not one`, { path: source });
    if (rules.ino !== undefined && st.ino !== rules.ino) {
      throw new NdshareError(
        'ERR_NDSHARE_HANDLE_MISMATCH',
        `Expected memfd inode ${rules.ino} (from the handle) at ${source} but it holds inode ${st.ino}: the array was closed and its fd number reused`,
        { path: source },
      );
    }
    if (rules.segment) checkSegmentOwnership(st, source);
    const header = readHeaderFd(fd, st.size, source);
    const info = header.dtype.info;
    if (rules.expect) checkMatches(header, rules.expect, source);
    const end = header.dataOffset + header.nbytes;
    if (st.size < end) {
      throw new NdshareError('ERR_NDSHARE_TRUNCATED', `Expected at least ${end} bytes in ${source} for shape (${header.shape.join(', ')}) of ${info.name} but it has ${st.size} bytes`, { path: source });
    }
    const fortran = header.fortranOrder && header.shape.filter((d) => d !== 1).length > 1;
    if (fortran && !rules.allowFortran && rules.order !== 'F') {
      throw new NdshareError('ERR_NDSHARE_FORTRAN_ORDER', `Expected a C-order array in ${source} but it is Fortran-order; pass { allowFortran: true } to map it with column-major strides`, { path: source });
    }
    const order: Order = fortran ? 'F' : 'C';
    const nbytes = header.nbytes;
    const misaligned = header.dataOffset % info.itemsize !== 0;
    if (header.dtype.state === 'swapped' || misaligned) {
      const why = misaligned ? `its data offset ${header.dataOffset} is not a multiple of ${info.itemsize}` : `it is big-endian (${header.descr})`;
      if (rules.convert !== 'copy') {
        throw new NdshareError('ERR_NDSHARE_NOT_NATIVE', `Expected data that can be viewed in place in ${source} but ${why}; pass { convert: 'copy' } to load a converted copy`, { path: source });
      }
      const buffer = readConverted(fd, header, info);
      closeQuietly(fd);
      return wrap<D>({ ops: heapOps, info, shape: header.shape, order, mode: 'c', buffer });
    }
    if (rules.segment) {
      holdLiveness(fd, source);
      // Locked first, then checked: a name unlinked, or renamed away by a pool that released the
      // segment, before our lock fails here; after our lock, the pool sees the lock and lets go.
      if (rules.requireName !== false && !stillNamed(st, rules.name ?? source)) throw new NdshareError('ENOENT', `Failed to attach ${source}: ENOENT. The segment was removed`, { path: source });
    } else if (rules.liveness) {
      holdLiveness(fd, source);
    }
    const { buffer, byteOffset } = mapData(fd, header.dataOffset, nbytes, mode, false, source);
    keepFd(fd);
    return wrap<D>({ ops, info, shape: header.shape, order, mode, buffer, byteOffset, fd, path: pathOf(fd), ...(rules.segment ? { name: rules.name ?? source } : {}) });
  } catch (err) {
    closeQuietly(fd);
    throw fromSystemError(err, 'map', source);
  }
}

/**
 * True while `name` (a shm name) still names the object whose fstat is `mine`. One lstat, after
 * the lock: the name resolving to this very inode is what matters, and it also proves the object
 * still has a link (an unlinked object is reached by no name), so a second fstat for `nlink` adds
 * nothing; and while our fd holds the object, its inode number cannot go to another one.
 */
function stillNamed(mine: Stats, name: string): boolean {
  const now = lstatSync(`${kShmDir}${name}`, { throwIfNoEntry: false });
  return now !== undefined && now.ino === mine.ino && now.dev === mine.dev;
}

function checkMatches(header: NpyHeader, expect: NonNullable<MapRules['expect']>, source: string): void {
  const got = header.dtype.info.name;
  if (got !== expect.info.name) {
    throw new NdshareError('ERR_NDSHARE_HANDLE_MISMATCH', `Expected dtype ${expect.info.name} (from the handle) for ${source} but its header says ${got}`, { path: source });
  }
  const a = expect.shape.join(', ');
  const b = header.shape.join(', ');
  if (a !== b || expect.shape.length !== header.shape.length) {
    throw new NdshareError('ERR_NDSHARE_HANDLE_MISMATCH', `Expected shape (${a}) (from the handle) for ${source} but its header says (${b})`, { path: source });
  }
}

/** Reads the data into fresh memory in native byte order. */
function readConverted(fd: number, header: NpyHeader, info: DTypeInfo): ArrayBuffer {
  const buffer = new ArrayBuffer(header.nbytes);
  const done = readFully(fd, new Uint8Array(buffer), header.dataOffset);
  if (header.dtype.state === 'swapped') swapBytes(new DataView(buffer, 0, done - (done % info.itemsize)), info.itemsize);
  return buffer;
}

/**
 * Reverses the bytes of every element in place. Integer DataView reads and writes (never float
 * ones, which could canonicalize a NaN payload) keep this one tight loop per width: ~10x faster
 * than reversing a subarray per element, which matters for the 1e8-element files it is meant for.
 */
function swapBytes(view: DataView, width: number): void {
  const n = view.byteLength;
  if (width === 2) {
    for (let i = 0; i < n; i += 2) view.setUint16(i, view.getUint16(i, false), true);
  } else if (width === 4) {
    for (let i = 0; i < n; i += 4) view.setUint32(i, view.getUint32(i, false), true);
  } else if (width === 8) {
    for (let i = 0; i < n; i += 8) {
      const hi = view.getUint32(i, false);
      view.setUint32(i, view.getUint32(i + 4, false), true);
      view.setUint32(i + 4, hi, true);
    }
  }
}

