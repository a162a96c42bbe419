/**
 * Segment management: what `ndshare ls`, `rm` and `sweep` see and do. Everything here reads the
 * kernel's state (names in /dev/shm, fstat, liveness locks, the .npy header) and never trusts a
 * PID: the creator PID in a name is shown for people, not used for decisions.
 */
import { closeSync, fstatSync, lstatSync, type Stats } from 'node:fs';
import { fromSystemError, invalid, NdshareError } from '../errors.js';
import { kLivenessLockLength, kLivenessLockStart, kSegmentNamePattern, kShmDir } from './layout.js';
import { native } from './native.js';
import { readHeaderFd } from './fd.js';
import { openSegmentFd, reclaimIfDead, segmentNames, sweepDead, unlinkLocked } from './sweep.js';
import { checkOptions, optionNames } from './validate.js';

/** What a segment's .npy header says, or why it could not be read. */
export type SegmentHeader =
  | { readonly state: 'ok'; readonly dtype: string; readonly shape: readonly number[] }
  | { readonly state: 'unreadable'; readonly reason: string };

/**
 * Whether any process holds the segment: 'live' (someone has it open), 'dead' (nobody: `sweep`
 * will remove it), or 'unknown' (this user may not open it, e.g. another user's segment).
 */
export type Liveness = 'live' | 'dead' | 'unknown';

/** One ndshare segment in /dev/shm. */
export interface SegmentInfo {
  /** shm_open name, '/ndshare-<pid>-<hex>'. */
  readonly name: string;
  /** Where NumPy can open it. */
  readonly path: string;
  /** File size in bytes (header page plus data). */
  readonly size: number;
  readonly header: SegmentHeader;
  /** PID of the creating process, from the name (it may have exited, or been reused since). */
  readonly creatorPid: number;
  /** Owning user id and permission bits. */
  readonly uid: number;
  readonly mode: number;
  readonly liveness: Liveness;
  /** Milliseconds since the segment was created (its birth time, or its change time if unknown). */
  readonly ageMs: number;
}

/** Lists ndshare segments in /dev/shm (every user's; liveness only for those this user may open). */
export function listSegments(): SegmentInfo[] {
  const out: SegmentInfo[] = [];
  for (const name of segmentNames()) {
    const info = inspect(name);
    if (info) out.push(info);
  }
  return out.sort((a, b) => b.ageMs - a.ageMs || a.name.localeCompare(b.name));
}

function inspect(name: string): SegmentInfo | undefined {
  const path = `${kShmDir}${name}`;
  const fd = openSegmentFd(name, false);
  let st: Stats | undefined;
  try {
    // Another user's 0600 segment cannot be opened: list it from lstat, liveness unknown.
    st = fd >= 0 ? fstatSync(fd) : lstatSync(path, { throwIfNoEntry: false });
    if (!st || !st.isFile()) return undefined; // Gone since readdir, or not a regular file.
    const born = st.birthtimeMs > 0 ? st.birthtimeMs : st.ctimeMs;
    return {
      name,
      path,
      size: st.size,
      header: fd >= 0 ? headerOf(fd, st.size, name) : { state: 'unreadable', reason: 'this user may not open it' },
      creatorPid: Number(kSegmentNamePattern.exec(name)?.[1] ?? 0),
      uid: st.uid,
      mode: st.mode & 0o777,
      liveness: fd >= 0 ? livenessOf(fd) : 'unknown',
      ageMs: Math.max(0, Date.now() - born),
    };
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

function headerOf(fd: number, size: number, name: string): SegmentHeader {
  // A creator between shm_open and writing its header leaves a short file for a moment.
  if (size === 0) return { state: 'unreadable', reason: 'empty (being created, or its creator died while creating it)' };
  try {
    const h = readHeaderFd(fd, size, name);
    return { state: 'ok', dtype: h.dtype.info.name, shape: h.shape };
  } catch (err) {
    return { state: 'unreadable', reason: err instanceof Error ? err.message : String(err) };
  }
}

function livenessOf(fd: number): Liveness {
  try {
    // Testing for a write lock reports any holder, and works through a read-only fd.
    return native().ofdTest(fd, 2, kLivenessLockStart, kLivenessLockLength) === 0 ? 'dead' : 'live';
  } catch {
    return 'unknown';
  }
}

/** Options for `removeSegment()`. */
export interface RemoveOptions {
  /**
   * Remove the name even if processes still hold the segment. They keep their memory (unlinking
   * a name never unmaps anything), but nobody can attach it any more. Default false.
   */
  force?: boolean;
}

const kRemoveOptions = optionNames<RemoveOptions>({ force: true });

/** What `removeSegment()` did. */
export type RemoveOutcome = { readonly state: 'removed'; readonly name: string; readonly wasLive: boolean };

/** Accepts 'ndshare-1-<hex>', '/ndshare-1-<hex>' or '/dev/shm/ndshare-1-<hex>'. */
export function segmentName(value: unknown): string {
  const raw = typeof value === 'string' ? value.replace(/^\/dev\/shm\//, '/') : '';
  if (!kSegmentNamePattern.test(raw)) invalid('ERR_NDSHARE_INVALID_ARGUMENT', "an ndshare segment name like '/ndshare-123-<32 hex digits>'", 'the segment name', value);
  return raw.startsWith('/') ? raw : `/${raw}`;
}

/**
 * Removes one segment by name. A dead segment is removed under the exclusive liveness lock, so an
 * attacher racing the removal fails cleanly. A live one is refused with EBUSY unless `force`.
 * Only ndshare names are accepted, so this cannot be used to delete arbitrary /dev/shm entries.
 */
export function removeSegment(nameArg: string, options?: RemoveOptions): RemoveOutcome {
  const name = segmentName(nameArg);
  const force = checkOptions(options, 'removeSegment() options', kRemoveOptions)['force'] === true;
  const outcome = reclaimIfDead(name);
  switch (outcome.state) {
    case 'removed':
      return { state: 'removed', name, wasLive: false };
    case 'live':
      if (!force) {
        throw new NdshareError(
          'EBUSY',
          `Expected a segment no process holds for removal but ${name} is live (a process has it open); pass --force (force: true) to remove its name anyway. Processes that mapped it keep their memory`,
          { path: name },
        );
      }
      return forceRemove(name);
    case 'skipped':
      if (outcome.reason === 'gone') {
        throw new NdshareError('ENOENT', `Expected an existing segment for removal but ${name} does not exist`, { path: name });
      }
      // The effective uid owns what this process creates, and is the one privilege depends on.
      const euid = process.geteuid?.();
      if (outcome.reason === 'other-owner' && force && euid === 0) return forceRemove(name);
      throw new NdshareError(
        'ERR_NDSHARE_PERMISSION',
        `Expected a segment of this user (uid ${euid}) for removal but ${name} is ${outcome.reason === 'other-owner' ? "another user's" : 'not accessible'}${euid === 0 ? '; as root, pass --force to remove it anyway' : ''}`,
        { path: name },
      );
  }
}

function forceRemove(name: string): RemoveOutcome {
  const fd = openSegmentFd(name, false);
  if (fd < 0) throw new NdshareError('ENOENT', `Expected an existing segment for removal but ${name} does not exist`, { path: name });
  try {
    if (!unlinkLocked(name, fd)) throw new NdshareError('ENOENT', `Expected an existing segment for removal but ${name} was removed meanwhile`, { path: name });
    return { state: 'removed', name, wasLive: true };
  } catch (err) {
    throw fromSystemError(err, 'remove', name);
  } finally {
    closeSync(fd);
  }
}

/** What `sweepSegments()` did. */
export interface SweepResult {
  /** Names removed: their every user had died or closed them. */
  readonly removed: readonly string[];
}

/**
 * Removes every ndshare segment of this user that no process holds (what `create()` also does on
 * its own, at most once a second). A segment any live process holds is never removed.
 */
export function sweepSegments(): SweepResult {
  return { removed: sweepDead() };
}
