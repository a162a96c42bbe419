/**
 * 'memfd': anonymous shared memory with no name anywhere. Other processes reach it through
 * /proc/<pid>/fd/<n> (same user) or inherit the fd at spawn (spawn-with-arrays.ts); it lives as
 * long as one fd or mapping does.
 *
 * Every holder takes the shared liveness lock on its own open file description (opening
 * /proc/<pid>/fd/<n> makes a new one), as shm holders do, so the pool and the last holder's
 * close() see who still maps it. The size is sealed once set (F_SEAL_SHRINK | F_SEAL_GROW): a
 * process that opens the memfd cannot truncate it under the others, whose next access would die
 * of SIGBUS. `publish: 'read-only'` adds F_SEAL_FUTURE_WRITE: the creator keeps writing through
 * the mapping it already has, while nobody (itself included) can map it writable again, write()
 * to it or truncate it; consumers attach with mode 'r' (or 'c'). F_SEAL_SEAL closes the list.
 */
import { fstatSync, readlinkSync } from 'node:fs';
import { fromSystemError, invalid, NdshareError } from '../../errors.js';
import { checkMemoryCharge } from '../cgroup-memory.js';
import type { DType } from '../dtype.js';
import { closeQuietly, initializeFd, keepFd } from '../fd.js';
import type { MemfdHandle } from '../handle.js';
import { kLivenessLockLength, kLivenessLockStart, kSegmentDataOffset } from '../layout.js';
import { mapFd, openForMap, type MapRules } from '../map-npy.js';
import { F_SEAL_FUTURE_WRITE, F_SEAL_GROW, F_SEAL_SEAL, F_SEAL_SHRINK, MFD_ALLOW_SEALING, MFD_CLOEXEC, native } from '../native.js';
import { wrap, type BackingOps, type NdArray } from '../ndarray.js';
import type { Mode } from '../validate.js';
import { releaseMemory } from './last-holder.js';
import type { CreateRequest } from './request.js';

export const memfdOps: BackingOps = {
  name: 'memfd',
  // The inode tells this memfd from a later one that gets the same fd number after close().
  handle: (s) => ({ ndshare: 1, dtype: s.info.name, shape: [...s.shape], backing: 'memfd', pid: process.pid, fd: s.fd, ino: fstatSync(s.fd).ino }),
  closeRemovesName: false,
  releaseMemory,
};

/** How a memfd is published (`create({ backing: 'memfd', publish })`). */
export type Publish = 'read-write' | 'read-only';

/** This process's path to a memfd it holds as `fd`. */
export const memfdPath = (fd: number): string => `/proc/${process.pid}/fd/${fd}`;

/** True if the memfd behind `fd` was published read-only (sealed with F_SEAL_FUTURE_WRITE). */
export function isReadOnlyPublished(fd: number): boolean {
  return (native().getSeals(fd) & F_SEAL_FUTURE_WRITE) !== 0;
}

/**
 * Refuses a writable mapping of a read-only published memfd, before the kernel does (it would
 * refuse the mmap with EPERM), with the code and the fix. Closes `fd` when it refuses.
 */
export function refuseWritableIfReadOnly(fd: number, mode: Mode, source: string): void {
  if (mode !== 'r+') return;
  let readOnly: boolean;
  try {
    readOnly = isReadOnlyPublished(fd);
  } catch (err) {
    closeQuietly(fd);
    throw fromSystemError(err, 'read the seals of the memfd', source);
  }
  if (!readOnly) return;
  closeQuietly(fd);
  throw new NdshareError(
    'ERR_NDSHARE_READ_ONLY',
    `Expected mode 'r' (or 'c') for ${source}, a memfd its creator published read-only, but received 'r+'; only the creator writes it`,
    { path: source },
  );
}

function checkPublish(value: unknown): Publish {
  if (value === undefined || value === 'read-write') return 'read-write';
  if (value === 'read-only') return value;
  return invalid('ERR_NDSHARE_INVALID_ARGUMENT', "'read-write' or 'read-only'", 'options.publish', value);
}

export function createMemfd<D extends DType>(req: CreateRequest): NdArray<D> {
  const { info, shape, nbytes, fill } = req;
  const publish = checkPublish(req.options['publish']);
  // A memfd is tmpfs memory: a request the memory cgroup cannot take would get us OOM-killed.
  checkMemoryCharge(kSegmentDataOffset + nbytes, `a memfd of ${nbytes} bytes`);
  const n = native();
  let fd = -1;
  try {
    fd = n.memfdCreate('ndshare', MFD_CLOEXEC | MFD_ALLOW_SEALING);
    // Nobody else can have it yet: this cannot fail.
    n.ofdLock(fd, 1, kLivenessLockStart, kLivenessLockLength, false);
    // Mapped (writable) before the seals: FUTURE_WRITE forbids only mappings made after it.
    const { buffer } = initializeFd(fd, info, shape, nbytes, fill, true, 'memfd');
    n.addSeals(fd, F_SEAL_SHRINK | F_SEAL_GROW | (publish === 'read-only' ? F_SEAL_FUTURE_WRITE : 0) | F_SEAL_SEAL);
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
  const rules: MapRules = h.ino === undefined ? { expect, order: 'C', liveness: true } : { expect, order: 'C', ino: h.ino, liveness: true };
  const fd = openForMap(link, mode);
  // A reused fd number is mapFd's to report (HANDLE_MISMATCH), not another memfd's seals.
  if (h.ino === undefined || sameInode(fd, h.ino)) refuseWritableIfReadOnly(fd, mode, link);
  return mapFd<D>(fd, link, memfdOps, mode, rules, memfdPath);
}

function sameInode(fd: number, ino: number): boolean {
  try {
    return fstatSync(fd).ino === ino;
  } catch {
    return false; // mapFd's own fstat reports it.
  }
}
