/** attach() and open(): map memory someone else created, after validating what is there. */
import { constants, fstatSync, readlinkSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import { dtypeInfo, type DType, type DTypeInfo } from './dtype.js';
import { fromSystemError, invalid, NdshareError } from './errors.js';
import { checkHandle, type Handle, type SabHandle } from './handle.js';
import { kShmDir } from './layout.js';
import { native, O_CLOEXEC } from './native.js';
import { wrap, type ArrayState, type Backing, type NdArray } from './ndarray.js';
import type { NpyHeader } from './npy.js';
import { closeQuietly, holdLiveness, keepFd, mapData, readFully, readHeaderFd } from './segment.js';
import { checkMode, checkOptions, sizeOf, type Mode, type Order } from './validate.js';

/** Options for `attach()`. */
export interface AttachOptions {
  /** 'r+' shared read-write (default), 'r' read-only, 'c' copy-on-write. */
  mode?: Mode;
}

/** Options for `open()`. */
export interface OpenOptions extends AttachOptions {
  /**
   * What to do with data that cannot be viewed in place (big-endian, or not aligned to its item
   * size): 'refuse' (default) throws; 'copy' returns a converted copy on the heap.
   */
  convert?: 'refuse' | 'copy';
  /** Accept Fortran-order (column-major) files, mapped as they are with `order: 'F'` strides. */
  allowFortran?: boolean;
}

// A FIFO planted where a segment or .npy file is expected would block open() forever; with
// O_NONBLOCK it opens at once and is then refused as not a regular file.
const O_NONBLOCK = constants.O_NONBLOCK;

/** Attaches an array by handle, in any process (shm, file, memfd) or thread (all, including sab). */
export function attach<D extends DType = DType>(handle: Handle | unknown, options?: AttachOptions): NdArray<D> {
  const h = checkHandle(handle);
  const mode = checkMode(checkOptions(options, 'attach() options')['mode']);
  const expect = { info: dtypeInfo(h.dtype), shape: h.shape };
  switch (h.backing) {
    case 'sab':
      return attachSab<D>(h, mode);
    case 'shm':
      return attachShm<D>(h.name, mode, expect);
    case 'memfd': {
      const self = h.pid === process.pid;
      const link = `/proc/${self ? 'self' : h.pid}/fd/${h.fd}`;
      let target: string;
      try {
        target = readlinkSync(link);
      } catch (err) {
        throw fromSystemError(err, `attach memfd ${h.fd} of process ${h.pid} (the process ended or closed the array)`, link);
      }
      if (!target.startsWith('/memfd:ndshare')) {
        throw new NdshareError('ERR_NDSHARE_INVALID_HANDLE', `Expected an ndshare memfd at ${link} but it points to ${JSON.stringify(target)}`);
      }
      const rules: MapRules = h.ino === undefined ? { expect, order: 'C' } : { expect, order: 'C', ino: h.ino };
      return mapFd<D>(openFd(link, mode, false), link, 'memfd', mode, rules, (newFd) => `/proc/${process.pid}/fd/${newFd}`);
    }
    case 'file':
      return openFile<D>(h.path, mode, { expect, order: h.order ?? 'C' });
  }
}

/** Opens an existing .npy file (written by NumPy or ndshare) as a zero-copy mapping. */
export function open<D extends DType = DType>(path: string, options?: OpenOptions): NdArray<D> {
  if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'a .npy file path', 'path', path);
  const o = checkOptions(options, 'open() options');
  const mode = checkMode(o['mode']);
  const convert = o['convert'] ?? 'refuse';
  if (convert !== 'refuse' && convert !== 'copy') invalid('ERR_NDSHARE_INVALID_ARGUMENT', "'refuse' or 'copy'", 'options.convert', convert);
  const allowFortran = o['allowFortran'] ?? false;
  if (typeof allowFortran !== 'boolean') invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'a boolean', 'options.allowFortran', allowFortran);
  return openFile<D>(resolve(path), mode, { convert, allowFortran });
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
  /** For 'shm': the segment name, when `source` is not it (an inherited fd). */
  name?: string;
  /**
   * For 'shm': refuse a segment whose name is gone (default). An attach by name that loses the
   * race with a sweeper must fail; an inherited fd is valid memory whatever happened to the name.
   */
  requireName?: boolean;
}

function openFd(path: string, mode: Mode, noFollow: boolean): number {
  const flags = (mode === 'r+' ? constants.O_RDWR : constants.O_RDONLY) | O_CLOEXEC | O_NONBLOCK | (noFollow ? constants.O_NOFOLLOW : 0);
  try {
    return native().openFd(path, flags, 0);
  } catch (err) {
    throw fromSystemError(err, 'open', path);
  }
}

function openFile<D extends DType>(path: string, mode: Mode, rules: MapRules): NdArray<D> {
  return mapFd<D>(openFd(path, mode, false), path, 'file', mode, rules, () => path);
}

function attachShm<D extends DType>(name: string, mode: Mode, expect: MapRules['expect']): NdArray<D> {
  let fd: number;
  try {
    const flags = (mode === 'r+' ? constants.O_RDWR : constants.O_RDONLY) | constants.O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
    fd = native().shmOpen(name, flags, 0);
  } catch (err) {
    throw fromSystemError(err, `attach shm segment ${name}`, name);
  }
  return mapFd<D>(fd, name, 'shm', mode, { expect, order: 'C' }, () => `${kShmDir}${name}`);
}

/** Refuses a segment another user owns or that others could read or write. */
function checkSegmentOwnership(st: Stats, name: string): void {
  const uid = process.getuid?.();
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
  backing: Backing,
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
    if (backing === 'shm') checkSegmentOwnership(st, source);
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
    const { size, nbytes } = sizeOf(header.shape, info);
    const misaligned = header.dataOffset % info.itemsize !== 0;
    if (header.dtype.state === 'swapped' || misaligned) {
      const why = misaligned ? `its data offset ${header.dataOffset} is not a multiple of ${info.itemsize}` : `it is big-endian (${header.descr})`;
      if (rules.convert !== 'copy') {
        throw new NdshareError('ERR_NDSHARE_NOT_NATIVE', `Expected data that can be viewed in place in ${source} but ${why}; pass { convert: 'copy' } to load a converted copy`, { path: source });
      }
      const buffer = readConverted(fd, header, info);
      closeQuietly(fd);
      return wrap<D>({ backing: 'heap', info, shape: header.shape, order, mode: 'c', buffer, byteOffset: 0, size, nbytes, fd: -1, owner: false, closed: false });
    }
    if (backing === 'shm') {
      holdLiveness(fd, source);
      if (rules.requireName !== false && fstatSync(fd).nlink === 0) throw new NdshareError('ENOENT', `Failed to attach ${source}: ENOENT. The segment was removed`, { path: source });
    }
    const { buffer, byteOffset } = mapData(fd, header.dataOffset, nbytes, mode, false, source);
    const state: Omit<ArrayState, 'data'> = {
      backing,
      info,
      shape: header.shape,
      order,
      mode,
      buffer,
      byteOffset,
      size,
      nbytes,
      fd,
      path: pathOf(fd),
      owner: false,
      closed: false,
      ...(backing === 'shm' ? { name: rules.name ?? source } : {}),
    };
    keepFd(fd);
    return wrap<D>(state);
  } catch (err) {
    closeQuietly(fd);
    throw fromSystemError(err, 'map', source);
  }
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

function attachSab<D extends DType>(h: SabHandle, mode: Mode): NdArray<D> {
  const info = dtypeInfo(h.dtype);
  const { size, nbytes } = sizeOf(h.shape, info);
  if (h.byteOffset % info.itemsize !== 0 || h.byteOffset + nbytes > h.buffer.byteLength) {
    throw new NdshareError(
      'ERR_NDSHARE_HANDLE_MISMATCH',
      `Expected a SharedArrayBuffer holding ${nbytes} bytes at offset ${h.byteOffset} (aligned to ${info.itemsize}) but it has ${h.buffer.byteLength} bytes`,
    );
  }
  // A SharedArrayBuffer cannot be made read-only, so 'r' could only be a promise that a write
  // through this view would break: refuse it rather than let writes reach the other threads.
  if (mode === 'r') {
    throw new NdshareError(
      'ERR_NDSHARE_UNSUPPORTED',
      "Expected mode 'r+' or 'c' for a thread handle (backing 'sab') but received 'r': a SharedArrayBuffer cannot be mapped read-only; " +
        "use 'c' for a private copy, or attach the process handle (shm, memfd, file) with mode 'r'",
    );
  }
  // 'c' gets a private copy.
  const buffer = mode === 'c' ? copyOf(h.buffer, h.byteOffset, nbytes) : h.buffer;
  const byteOffset = mode === 'c' ? 0 : h.byteOffset;
  return wrap<D>({ backing: 'sab', info, shape: h.shape, order: h.order ?? 'C', mode, buffer, byteOffset, size, nbytes, fd: -1, owner: false, closed: false });
}

function copyOf(src: SharedArrayBuffer, offset: number, nbytes: number): SharedArrayBuffer {
  const out = new SharedArrayBuffer(nbytes);
  new Uint8Array(out).set(new Uint8Array(src, offset, nbytes));
  return out;
}
