/**
 * Reclaiming segments whose every user died. A segment is live while any open file description
 * holds its shared liveness lock; the kernel drops those locks when a process dies, even by
 * SIGKILL. A sweeper takes the lock exclusively (never waiting) and unlinks only while holding it,
 * so a segment someone still maps is never removed.
 */
import { closeSync, constants, fstatSync, openSync, readdirSync } from 'node:fs';
import { kLivenessLockLength, kLivenessLockStart, kSegmentNamePattern, kShmDir } from './layout.js';
import { native } from './native.js';

const O_CLOEXEC = 0o2000000;
/** Automatic sweeps (on create) run at most this often per thread. */
const kAutoSweepIntervalMs = 1000;
let lastAutoSweep = -Infinity;

/** Runs `sweep()` if the last automatic sweep of this thread is older than a second. Never throws. */
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

/** Names of this user's ndshare segments in /dev/shm. */
export function segmentNames(): string[] {
  let entries: string[];
  try {
    entries = readdirSync(kShmDir);
  } catch {
    return [];
  }
  return entries.filter((e) => kSegmentNamePattern.test(e)).map((e) => `/${e}`);
}

/**
 * Removes every ndshare segment of this user that no process holds. Returns the names removed.
 */
export function sweepDead(): string[] {
  const removed: string[] = [];
  for (const name of segmentNames()) {
    if (reclaimIfDead(name)) removed.push(name);
  }
  return removed;
}

/** Unlinks one segment if nobody holds its liveness lock; true if it was removed. */
export function reclaimIfDead(name: string): boolean {
  const n = native();
  let fd: number;
  try {
    fd = openSync(`${kShmDir}${name}`, constants.O_RDONLY | constants.O_NOFOLLOW | O_CLOEXEC);
  } catch {
    return false; // Gone already, or not ours to open.
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.uid !== process.getuid?.()) return false;
    // A read-only fd may take only read locks; test for any holder instead of locking for write.
    if (n.ofdTest(fd, 2, kLivenessLockStart, kLivenessLockLength) !== 0) return false;
    // Hold a read lock of our own while unlinking is not enough to exclude a racing attacher, so
    // take the exclusive lock through a writable fd when we can.
    return unlinkHoldingLock(name);
  } finally {
    closeSync(fd);
  }
}

function unlinkHoldingLock(name: string): boolean {
  const n = native();
  let fd: number;
  try {
    fd = openSync(`${kShmDir}${name}`, constants.O_RDWR | constants.O_NOFOLLOW | O_CLOEXEC);
  } catch {
    return false;
  }
  try {
    if (!n.ofdLock(fd, 2, kLivenessLockStart, kLivenessLockLength, false)) return false;
    if (fstatSync(fd).nlink === 0) return false;
    try {
      n.shmUnlink(name);
      return true;
    } catch {
      return false;
    }
  } finally {
    closeSync(fd); // Releases the exclusive lock.
  }
}
