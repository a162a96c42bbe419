/**
 * Reclaiming segments whose every user died. A segment is live while any open file description
 * holds its shared liveness lock; the kernel drops those locks when a process dies, even by
 * SIGKILL. A sweeper takes the lock exclusively (never waiting) and unlinks only while holding it,
 * so a segment someone still maps is never removed: an attacher that comes later finds the lock
 * taken or the name gone and fails with ENOENT instead of mapping a segment being removed.
 *
 * Races, and why each is safe:
 * - A creator between shm_open and its lock looks dead. If a sweeper takes the lock first, the
 *   creator's shared lock fails or it sees nlink 0 afterwards, and it starts over with a new name.
 * - Two sweepers: only one gets the exclusive lock; the other sees it held, or nlink 0, and skips.
 * - The name is unlinked only if it still names the inode we locked, so a name replaced between
 *   our open and our unlink (possible only for a same-uid actor) is left alone.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync } from 'node:fs';
import { kLivenessLockLength, kLivenessLockStart, kSegmentNamePattern, kShmDir } from './layout.js';
import { native, O_CLOEXEC } from './native.js';

/**
 * Never follow a link, never block: a FIFO planted under a segment name would otherwise hang an
 * open() forever. O_NONBLOCK has no effect on the regular files that real segments are.
 */
const kProbeFlags = constants.O_NOFOLLOW | constants.O_NONBLOCK | O_CLOEXEC;
/** Automatic sweeps (on create) run at most this often per thread. */
const kAutoSweepIntervalMs = 1000;
let lastAutoSweep = -Infinity;

/** Runs `sweepDead()` if the last automatic sweep of this thread is older than a second. Never throws. */
export function sweepIfDue(): void {
  const now = performance.now();
  if (now - lastAutoSweep < kAutoSweepIntervalMs) return;
  lastAutoSweep = now;
  try {
    sweepDead();
  } catch {
    // Sweeping is housekeeping: a create must not fail because of it.
  }
}

/** Names ('/ndshare-...') of every ndshare segment in /dev/shm, whoever owns it. */
export function segmentNames(): string[] {
  let entries: string[];
  try {
    entries = readdirSync(kShmDir);
  } catch {
    return [];
  }
  return entries.filter((e) => kSegmentNamePattern.test(e)).map((e) => `/${e}`);
}

/** Opens a segment by name for inspection or reclaiming, refusing links and non-files. Returns -1 if it cannot. */
export function openSegmentFd(name: string, writable: boolean): number {
  const path = `${kShmDir}${name}`;
  // lstat first so a device or FIFO under an ndshare name is never opened at all.
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st || !st.isFile()) return -1;
  try {
    return openSync(path, (writable ? constants.O_RDWR : constants.O_RDONLY) | kProbeFlags);
  } catch {
    return -1; // Gone already, or not ours to open.
  }
}

/**
 * Removes every ndshare segment of this user that no process holds. Returns the names removed.
 * Segments of other users are never touched, even when running as root.
 */
export function sweepDead(): string[] {
  const removed: string[] = [];
  for (const name of segmentNames()) {
    if (reclaimIfDead(name).state === 'removed') removed.push(name);
  }
  return removed;
}

/** What happened to one segment a sweeper looked at. */
export type ReclaimOutcome =
  | { readonly state: 'removed' }
  | { readonly state: 'live' }
  | { readonly state: 'skipped'; readonly reason: 'gone' | 'not-a-segment' | 'other-owner' | 'no-access' };

/** Unlinks one segment if nobody holds its liveness lock. */
export function reclaimIfDead(name: string): ReclaimOutcome {
  const fd = openSegmentFd(name, true);
  if (fd < 0) {
    const st = lstatSync(`${kShmDir}${name}`, { throwIfNoEntry: false });
    return { state: 'skipped', reason: !st ? 'gone' : st.isFile() ? 'no-access' : 'not-a-segment' };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { state: 'skipped', reason: 'not-a-segment' };
    if (st.uid !== process.getuid?.()) return { state: 'skipped', reason: 'other-owner' };
    // Non-blocking: if any user holds the shared lock, the segment is live and we move on.
    if (!native().ofdLock(fd, 2, kLivenessLockStart, kLivenessLockLength, false)) return { state: 'live' };
    return unlinkLocked(name, fd) ? { state: 'removed' } : { state: 'skipped', reason: 'gone' };
  } finally {
    closeSync(fd); // Releases the exclusive lock, if we took it.
  }
}

/**
 * Unlinks `name` while the caller holds the exclusive liveness lock through `fd` (or, for a
 * forced removal, holds nothing). Only if the name still names the inode behind `fd`.
 */
export function unlinkLocked(name: string, fd: number): boolean {
  const mine = fstatSync(fd);
  if (mine.nlink === 0) return false; // Another sweeper, or the creator, removed it first.
  const now = lstatSync(`${kShmDir}${name}`, { throwIfNoEntry: false });
  if (!now || now.ino !== mine.ino || now.dev !== mine.dev) return false;
  try {
    native().shmUnlink(name);
    return true;
  } catch {
    return false; // ENOENT: removed between our check and our unlink.
  }
}
