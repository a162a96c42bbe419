/**
 * 'shm': a named POSIX shared memory object (/dev/shm/ndshare-<pid>-<128 random bits>), attached
 * by name by any process of the same user. The creator's name goes at close() or exit; a shared
 * liveness lock held by every user lets a sweep reclaim what dead processes left (sweep.ts).
 */
import { constants, fchmodSync, fstatSync } from 'node:fs';
import { fromSystemError, NdshareError } from '../../errors.js';
import type { DType } from '../dtype.js';
import { releaseOwned, registerOwned } from '../exit-cleanup.js';
import { checkCapacity, closeQuietly, initializeFd, isNoSpace, kCreateFlags, keepFd, newSegmentName, noSpace, syscallOf } from '../fd.js';
import type { ShmHandle } from '../handle.js';
import { kLivenessLockLength, kLivenessLockStart, kSegmentDataOffset, kSegmentMode, kShmDir } from '../layout.js';
import { attachFlags, mapFd, refuseNonRegular, type MapRules } from '../map-npy.js';
import { native } from '../native.js';
import { wrap, type BackingOps, type NdArray } from '../ndarray.js';
import { sweepDead, sweepIfDue } from '../sweep.js';
import type { Mode } from '../validate.js';
import { releaseMemory } from './last-holder.js';
import type { CreateRequest } from './request.js';

export const shmOps: BackingOps = {
  name: 'shm',
  handle: (s) => ({ ndshare: 1, dtype: s.info.name, shape: [...s.shape], backing: 'shm', name: s.name ?? '' }),
  removeName: (s) => {
    if (!s.name) return;
    releaseOwned(s.name);
    native().shmUnlink(s.name);
  },
  closeRemovesName: true,
  releaseMemory,
};

export function createShm<D extends DType>(req: CreateRequest): NdArray<D> {
  const { info, shape, nbytes, fill } = req;
  const n = native();
  sweepIfDue();
  const what = `a shm segment of ${nbytes} bytes`;
  checkSpace(kSegmentDataOffset + nbytes, what);
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
      const { buffer } = initializeFd(fd, info, shape, nbytes, fill, true, name);
      keepFd(fd);
      return wrap<D>({ ops: shmOps, info, shape, buffer, fd, name, path: `${kShmDir}${name}`, owner: true });
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
      // Another process took the space after checkSpace(): the same message, naming the call.
      if (isNoSpace(err)) throw noSpace(kShmDir, kSegmentDataOffset + nbytes, what, { syscall: syscallOf(err), cause: err });
      throw fromSystemError(err, `create a shm segment of ${nbytes} bytes`, name);
    }
  }
}

/**
 * The free-space check, with one retry: segments that crashed processes left behind may hold the
 * space, and the automatic sweep runs at most once a second, so sweep them now and look again.
 */
function checkSpace(bytes: number, what: string): void {
  try {
    checkCapacity(kShmDir, bytes, what);
  } catch (err) {
    if (!(err instanceof NdshareError) || err.code !== 'ENOSPC') throw err;
    let removed = 0;
    try {
      removed = sweepDead().length;
    } catch {
      // Sweeping is housekeeping: the ENOSPC below is the answer.
    }
    if (removed === 0) throw err;
    checkCapacity(kShmDir, bytes, what);
  }
}

/** Attaches a segment by name: ownership, mode and liveness are checked before it is mapped. */
export function attachShm<D extends DType>(h: ShmHandle, mode: Mode, expect: MapRules['expect']): NdArray<D> {
  // Look before opening with access: a FIFO or device planted under a segment name (possible only
  // for this uid or root: /dev/shm is sticky) must not see an open with its side effects.
  refuseNonRegular(`${kShmDir}${h.name}`);
  let fd: number;
  try {
    fd = native().shmOpen(h.name, attachFlags(mode) | constants.O_NOFOLLOW, 0);
  } catch (err) {
    throw fromSystemError(err, `attach shm segment ${h.name}`, h.name);
  }
  return mapFd<D>(fd, h.name, shmOps, mode, { expect, order: 'C', segment: true }, () => `${kShmDir}${h.name}`);
}
