/**
 * 'memfd': anonymous shared memory with no name anywhere. Other processes reach it through
 * /proc/<pid>/fd/<n> (same user) or inherit the fd at spawn (spawn-with-arrays.ts); it lives as
 * long as one fd or mapping does.
 */
import { readlinkSync } from 'node:fs';
import { fromSystemError, NdshareError } from '../../errors.js';
import type { DType } from '../dtype.js';
import { closeQuietly, initializeFd, keepFd } from '../fd.js';
import type { MemfdHandle } from '../handle.js';
import { mapFd, openForMap, type MapRules } from '../map-npy.js';
import { MFD_CLOEXEC, native } from '../native.js';
import { wrap, type BackingOps, type NdArray } from '../ndarray.js';
import type { Mode } from '../validate.js';
import type { CreateRequest } from './request.js';
import { fstatSync } from 'node:fs';

export const memfdOps: BackingOps = {
  name: 'memfd',
  // The inode tells this memfd from a later one that gets the same fd number after close().
  handle: (s) => ({ ndshare: 1, dtype: s.info.name, shape: [...s.shape], backing: 'memfd', pid: process.pid, fd: s.fd, ino: fstatSync(s.fd).ino }),
  closeRemovesName: false,
};

/** This process's path to a memfd it holds as `fd`. */
export const memfdPath = (fd: number): string => `/proc/${process.pid}/fd/${fd}`;

export function createMemfd<D extends DType>(req: CreateRequest): NdArray<D> {
  const { info, shape, nbytes, fill } = req;
  let fd = -1;
  try {
    fd = native().memfdCreate('ndshare', MFD_CLOEXEC);
    const { buffer } = initializeFd(fd, info, shape, nbytes, fill, true, 'memfd');
    keepFd(fd);
    return wrap<D>({ ops: memfdOps, info, shape, buffer, fd, path: memfdPath(fd), owner: true });
  } catch (err) {
    closeQuietly(fd);
    throw fromSystemError(err, `create a memfd of ${nbytes} bytes`);
  }
}

/** Attaches another process's (or this one's) memfd through /proc, checking it is an ndshare memfd. */
export function attachMemfd<D extends DType>(h: MemfdHandle, mode: Mode, expect: MapRules['expect']): NdArray<D> {
  const link = `/proc/${h.pid === process.pid ? 'self' : h.pid}/fd/${h.fd}`;
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
  return mapFd<D>(openForMap(link, mode), link, memfdOps, mode, rules, memfdPath);
}
