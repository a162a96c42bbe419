/**
 * 'file': a memory-mapped .npy file on any file system, the same file NumPy opens with
 * `numpy.load(path, mmap_mode='r+')`. `open()` maps a .npy file NumPy wrote.
 */
import { fchmodSync, fstatSync, lstatSync, unlinkSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fromSystemError, invalid } from '../../errors.js';
import type { DType } from '../dtype.js';
import { checkCapacity, closeQuietly, initializeFd, isNoSpace, kCreateFlags, keepFd, noSpace, syscallOf } from '../fd.js';
import type { FileHandle } from '../handle.js';
import { kSegmentDataOffset, kSegmentMode } from '../layout.js';
import { mapFd, openForMap, type MapRules } from '../map-npy.js';
import { native } from '../native.js';
import { wrap, type BackingOps, type NdArray } from '../ndarray.js';
import type { Mode } from '../validate.js';
import type { CreateRequest } from './request.js';

export const fileOps: BackingOps = {
  name: 'file',
  handle: (s) => ({ ndshare: 1, dtype: s.info.name, shape: [...s.shape], backing: 'file', path: s.path ?? '', ...(s.order === 'F' ? { order: 'F' as const } : {}) }),
  removeName: (s) => {
    if (!s.path) return;
    // Only unlink the file we created: if it was replaced since, leave the new one alone.
    if (s.fd >= 0) {
      const mine = fstatSync(s.fd);
      const now = lstatSync(s.path, { throwIfNoEntry: false });
      if (!now || now.ino !== mine.ino || now.dev !== mine.dev) return;
    }
    unlinkSync(s.path);
  },
  closeRemovesName: false,
};

/** Maps a .npy file by path (an attach by file handle, or `open()`). */
export function mapFile<D extends DType>(path: string, mode: Mode, rules: MapRules): NdArray<D> {
  return mapFd<D>(openForMap(path, mode), path, fileOps, mode, rules, () => path);
}

export function attachFile<D extends DType>(h: FileHandle, mode: Mode, expect: MapRules['expect']): NdArray<D> {
  return mapFile<D>(h.path, mode, { expect, order: h.order ?? 'C' });
}

export function createFile<D extends DType>(req: CreateRequest): NdArray<D> {
  const { info, shape, nbytes, fill } = req;
  const pathArg = req.options['path'];
  const modeArg = req.options['mode'];
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
    const { buffer } = initializeFd(fd, info, shape, nbytes, fill, false, path);
    keepFd(fd);
    return wrap<D>({ ops: fileOps, info, shape, buffer, fd, path, owner: true });
  } catch (err) {
    closeQuietly(fd);
    try {
      // The file is ours (O_EXCL created it): remove the partial file so a failed create leaves nothing.
      unlinkSync(path);
    } catch {
      // Best effort: the error below is the one to report.
    }
    if (isNoSpace(err)) throw noSpace(dirname(path), kSegmentDataOffset + nbytes, `the file ${path}`, { syscall: syscallOf(err), cause: err });
    throw fromSystemError(err, `create the file of ${nbytes} bytes`, path);
  }
}
