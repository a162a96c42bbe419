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
import { closeSync, constants, fstatSync, lstatSync, opendirSync, openSync, readdirSync, type Dir } from 'node:fs';
import { kLivenessLockLength, kLivenessLockStart, kSegmentNamePattern, kSegmentPrefix, kShmDir } from './layout.js';
import { native, O_CLOEXEC } from './native.js';

/**
 * Never follow a link, never block: a FIFO planted under a segment name would otherwise hang an
 * open() forever. O_NONBLOCK has no effect on the regular files that real segments are.
 */
const kProbeFlags = constants.O_NOFOLLOW | constants.O_NONBLOCK | O_CLOEXEC;
/** Automatic sweeps (on create) run at most this often per thread, counted from the end of the last one. */
const kAutoSweepIntervalMs = 1000;
/**
 * Longest an automatic sweep may take. /dev/shm is shared by every user, and anyone can fill it
 * with names that look like segments: without a budget, create() would pay for all of them.
 * The next automatic sweep resumes where this one stopped.
 */
const kAutoSweepBudgetMs = 5;
/** Directory entries read per readdir call of an automatic sweep. */
const kDirBufferEntries = 256;
/**
 * Entries an automatic sweep always looks at, however long it takes: a process descheduled on a
 * busy machine could otherwise spend the whole budget before its first entry and never reclaim
 * anything. Cheap next to the budget (one lstat and lock probe each), so a /dev/shm holding a
 * few segments is swept in full by every automatic sweep.
 */
const kAutoSweepMinEntries = 64;
let nextAutoSweep = -Infinity;
/**
 * The walk over /dev/shm that automatic sweeps share, open only while unfinished: the next sweep
 * of this thread goes on from here (a worker's is closed when the worker ends).
 */
let walk: Dir | undefined;

/**
 * Sweeps for at most kAutoSweepBudgetMs if this thread's last automatic sweep ended more than a
 * second ago, resuming the walk the last one left unfinished. Never throws.
 */
export function sweepIfDue(): void {
  if (performance.now() < nextAutoSweep) return;
  try {
    sweepFor(kAutoSweepBudgetMs);
  } catch {
    // Sweeping is housekeeping: a create must not fail because of it.
    endWalk();
  } finally {
    nextAutoSweep = performance.now() + kAutoSweepIntervalMs;
  }
}

/**
 * Goes on with the walk over /dev/shm for about `budgetMs` (and at least kAutoSweepMinEntries
 * entries), reclaiming what nobody holds.
 */
function sweepFor(budgetMs: number): void {
  const deadline = performance.now() + budgetMs;
  walk ??= opendirSync(kShmDir, { bufferSize: kDirBufferEntries });
  for (let seen = 0; seen < kAutoSweepMinEntries || performance.now() < deadline; seen++) {
    const entry = walk.readSync();
    if (entry === null) return endWalk();
    // The checks cost nothing before the lstat in reclaimIfDead: no other name reaches a syscall,
    // and readdir's file type already rules out FIFOs, devices and links.
    if (!entry.name.startsWith(kSegmentPrefix) || !entry.isFile() || !kSegmentNamePattern.test(entry.name)) continue;
    reclaimIfDead(`/${entry.name}`);
  }
}

function endWalk(): void {
  const w = walk;
  walk = undefined;
  try {
    w?.closeSync();
  } catch {
    // Already closed.
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

/**
 * Unlinks one segment if nobody holds its liveness lock. Another user's name costs one lstat and
 * is never opened (readdir tells no owner; opening first would let a flood of planted names cost
 * an open each, and root could open them all).
 */
export function reclaimIfDead(name: string): ReclaimOutcome {
  const path = `${kShmDir}${name}`;
  const seen = lstatSync(path, { throwIfNoEntry: false });
  if (!seen) return { state: 'skipped', reason: 'gone' };
  if (!seen.isFile()) return { state: 'skipped', reason: 'not-a-segment' };
  // The effective uid is the one that creates and owns (and may open) segments.
  if (seen.uid !== process.geteuid?.()) return { state: 'skipped', reason: 'other-owner' };
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | kProbeFlags);
  } catch {
    return { state: 'skipped', reason: lstatSync(path, { throwIfNoEntry: false }) ? 'no-access' : 'gone' };
  }
  try {
    const st = fstatSync(fd);
    // Replaced between the lstat and the open (only this uid or root could): look again next time.
    if (st.ino !== seen.ino || st.dev !== seen.dev) return { state: 'skipped', reason: 'gone' };
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
