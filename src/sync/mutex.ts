/**
 * Mutex: a robust lock shared by processes and worker threads.
 *
 * State lives in one word of a small shared segment and changes only by atomic read-modify-write
 * (which, unlike Atomics.wait/notify, does work across processes): 0 when free, else the owner id
 * of the holding attachment, plus a bit that says someone sleeps on it. Sleepers use futex(2).
 *
 * Owner ids come from a counter word of the segment, one per attach (Mutex object), so they are
 * unique among everyone who shares the segment: kernel thread ids are not, across PID namespaces
 * (the main threads of two containers that share /dev/shm are both tid 1).
 *
 * Owner death is read from kernel-released state, never from PIDs alone: every attachment holds an
 * exclusive OFD lock on byte kOwnerLockBase + its owner id of its own fd for as long as it is
 * attached. A waiter that finds the word held by owner O and no lock on O's byte knows O's fd was
 * closed: its process died (SIGKILL, exit), its worker was torn down (the fd is closed by an
 * environment cleanup hook, see native/sync.cc) or it closed the Mutex while holding it. The
 * liveness lock is taken once per attach, so lock and unlock themselves make no system call
 * unless there is contention.
 */
import { fstatSync } from 'node:fs';
import { fromSystemError, invalid, NdshareError } from '../errors.js';
import { checkOptions, optionNames } from '../core/validate.js';
import { guardClone, notCloneable } from '../core/clone-guard.js';
import {
  kMutexConsistencyWord,
  kMutexConsistent,
  kMutexGenerationWord,
  kMutexNotRecoverable,
  kMutexOwnerCounterWord,
  kMutexOwnerIds,
  kMutexOwnerMask,
  kMutexRecovering,
  kMutexStateWord,
  kMutexWaitersBit,
  kOwnerLockBase,
  kSyncKindMutex,
} from './layout.js';
import { native } from '../core/native.js';
import type { NdArray } from '../core/ndarray.js';
import { checkSyncEnvelope, type MutexHandle } from './handle.js';
import { SyncSegment, type SyncBacking } from './word-segment.js';
import { checkTimeout, deadlineOf, sleepAsync, sleepSync, wake } from './wait.js';

/** The lock is held by the caller. `ownerDied`: the previous holder died holding it. */
export interface Acquired {
  readonly state: 'acquired';
  /**
   * True when the previous holder died inside its critical section: the protected data may be
   * half-updated. Repair it and call `markConsistent()` before `unlock()`, or the lock becomes
   * not recoverable.
   */
  readonly ownerDied: boolean;
}

/** What `lock()` reports: acquired, or the timeout passed (the lock was not taken). */
export type LockOutcome = Acquired | { readonly state: 'timeout'; readonly timeoutMs: number };

/** What `tryLock()` reports: acquired, or someone else holds it right now. */
export type TryLockOutcome = Acquired | { readonly state: 'busy' };

/** Options of `lock()` and `withLock()`. */
export interface LockOptions {
  /** Give up after this many ms (0 = one attempt). Default: wait forever. */
  timeoutMs?: number;
}

/** Options of `Mutex.create()`. */
export interface MutexOptions {
  /** 'shm' (default) or 'memfd'. Ignored when `near` is given. */
  backing?: SyncBacking;
  /**
   * An array this mutex guards: the mutex gets a segment that reaches the same processes
   * ('memfd' next to a memfd, 'sab' or 'heap' array, 'shm' otherwise).
   */
  near?: NdArray;
}

const kMutexOptions = optionNames<MutexOptions>({ backing: true, near: true });

const kAcquired: Acquired = Object.freeze({ state: 'acquired', ownerDied: false });
const kAcquiredOwnerDied: Acquired = Object.freeze({ state: 'acquired', ownerDied: true });
const kBusy = Object.freeze({ state: 'busy' as const });
/** futexWait's "timed out" result: nobody woke us for a whole slice. */
const kFutexTimedOut = 2;
/** Rounds of re-reading the word before sleeping: a short critical section often ends by then. */
const kSpinRounds = 64;

/** Ids tried per attach before giving up: a try fails only when a wrapped counter meets a live attachment. */
const kOwnerIdTries = 64;

/**
 * Owner ids of this thread's open Mutex objects, by segment (dev:ino). Module state is per thread,
 * so each worker has its own. A blocking acquire that finds the lock held by one of these would
 * wait for its own thread for ever, so it is refused as a relock instead.
 */
const threadOwners = new Map<string, Set<number>>();

/**
 * Takes a fresh owner id for one attachment, and its liveness byte, exclusively. The counter wraps
 * (an int32 at 2^32, ids at kMutexOwnerIds), so an id can come round again while an old
 * attachment still has it: the exclusive lock fails then, and the next id is tried.
 */
function claimOwnerId(seg: SyncSegment): number {
  const w = seg.words;
  for (let i = 0; i < kOwnerIdTries; i++) {
    const id = ((Atomics.add(w, kMutexOwnerCounterWord, 1) >>> 0) % kMutexOwnerIds) + 1;
    // A holder that died holding the lock keeps its id in the state word until someone recovers
    // it: taking that id would make the dead holder look alive (and look like this attachment).
    if ((Atomics.load(w, kMutexStateWord) & kMutexOwnerMask) === id) continue;
    if (native().ofdLock(seg.fd, 2, kOwnerLockBase + id, 1, false)) return id;
  }
  throw new NdshareError(
    'ERR_NDSHARE_UNSUPPORTED',
    `Expected a free owner id for a new attachment of this mutex but ${kOwnerIdTries} ids in a row belong to live attachments (the id counter wrapped after ${kMutexOwnerIds} attaches)`,
  );
}

/** What to post in place of the object (it belongs to the thread that made it). */
const kPostInstead = 'mutex.handle (for any thread or process)';

/**
 * A mutual-exclusion lock shared by processes and worker threads, robust to owner death.
 * Create it with `Mutex.create()`, send `mutex.handle` anywhere, `Mutex.attach(handle)` there.
 * One Mutex object belongs to the thread that made it (it cannot be posted; post the handle).
 */
export class Mutex {
  readonly #seg: SyncSegment;
  readonly #words: Int32Array;
  /** This attachment's owner id: what the state word holds while this object holds the lock. */
  readonly #id: number;
  /** Owner ids of every open Mutex object of this thread on the same segment (this one included). */
  readonly #threadIds: Set<number>;
  /** The segment's dev:ino, this object's key in threadOwners. */
  readonly #segmentKey: string;
  /** This object holds the lock (not just this thread). */
  #held = false;
  /** Mirrors the segment's closed state as a plain field: it is read on every lock and unlock. */
  #closed = false;
  /** The generation word at our acquire; a different value at unlock means we were taken over. */
  #generation = 0;

  private constructor(seg: SyncSegment) {
    guardClone(this, 'a Mutex', kPostInstead);
    this.#seg = seg;
    this.#words = seg.words;
    let key: string;
    try {
      const st = fstatSync(seg.fd);
      key = `${st.dev}:${st.ino}`;
      this.#id = claimOwnerId(seg);
    } catch (err) {
      seg.close();
      throw fromSystemError(err, 'attach a mutex');
    }
    let ids = threadOwners.get(key);
    if (!ids) threadOwners.set(key, (ids = new Set()));
    ids.add(this.#id);
    this.#threadIds = ids;
    this.#segmentKey = key;
  }

  /** JSON.stringify() and child.send() with 'json' serialization fail at the call: post `handle`. */
  toJSON(): never {
    throw notCloneable('a Mutex', kPostInstead);
  }

  /** Creates a new, unlocked mutex. */
  static create(options: MutexOptions = {}): Mutex {
    checkOptions(options, 'Mutex.create() options', kMutexOptions);
    let backing: unknown = options.backing;
    if (options.near !== undefined) {
      const near = options.near as { backing?: unknown };
      if (typeof near !== 'object' || near === null || typeof near.backing !== 'string') invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'an NdArray', 'options.near', options.near);
      backing = near.backing === 'shm' || near.backing === 'file' ? 'shm' : 'memfd';
    }
    return new Mutex(SyncSegment.create(kSyncKindMutex, backing, 'options.backing'));
  }

  /** Attaches a mutex by its handle, in any process (shm) or in the creator's process and its children (memfd). */
  static attach(handle: MutexHandle | unknown): Mutex {
    const h = checkSyncEnvelope(handle, 'mutex', 'mutex handle');
    return new Mutex(SyncSegment.attach(h['segment'], kSyncKindMutex, 'mutex', 'mutex handle.segment'));
  }

  /** A JSON-safe handle for `Mutex.attach()` elsewhere. */
  get handle(): MutexHandle {
    this.#open('handle');
    return { ndshare: 1, kind: 'mutex', segment: this.#seg.handle };
  }

  /** True while this Mutex object holds the lock. */
  get held(): boolean {
    return this.#held;
  }

  /** True after close(). */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Takes the lock without blocking the thread: waits on the libuv pool, so the event loop keeps
   * running. Use this on a process's main thread.
   */
  async lock(options?: LockOptions): Promise<LockOutcome> {
    const timeoutMs = checkTimeout(options, 'lock() options');
    this.#open('lock()');
    this.#refuseRelock('lock()');
    const deadline = deadlineOf(timeoutMs);
    let slept = false;
    let quiet = false;
    for (;;) {
      const step = this.#step(false, slept, quiet);
      if (typeof step !== 'number') return step;
      const left = deadline - performance.now();
      if (left <= 0) return this.#lastAttempt(false, slept, timeoutMs);
      quiet = (await sleepAsync(this.#words, kMutexStateWord, step, left)) === kFutexTimedOut;
      slept = true;
      // close() may have run while we slept; our fd (and liveness lock) is gone then.
      this.#open('lock()');
    }
  }

  /**
   * Takes the lock, blocking this thread while it waits. For worker threads and child processes
   * (and main threads with nothing else to do): it stops the event loop while it waits.
   */
  lockSync(options?: LockOptions): LockOutcome {
    const timeoutMs = options === undefined ? Infinity : checkTimeout(options, 'lockSync() options');
    // The uncontended path: one compare-and-swap, no system call, no allocation.
    if (!this.#held && !this.#closed && Atomics.compareExchange(this.#words, kMutexStateWord, 0, this.#id) === 0) return this.#took(false);
    this.#open('lockSync()');
    this.#refuseRelock('lockSync()');
    const deadline = deadlineOf(timeoutMs);
    for (let slept = false, quiet = false; ; slept = true) {
      const step = this.#step(true, slept, quiet);
      if (typeof step !== 'number') return step;
      const left = deadline - performance.now();
      if (left <= 0) return this.#lastAttempt(true, slept, timeoutMs);
      quiet = sleepSync(this.#words, kMutexStateWord, step, left) === kFutexTimedOut;
    }
  }

  /** Takes the lock if nobody holds it (or its holder died); never waits. */
  tryLock(): TryLockOutcome {
    if (!this.#held && !this.#closed && Atomics.compareExchange(this.#words, kMutexStateWord, 0, this.#id) === 0) return this.#took(false);
    this.#open('tryLock()');
    this.#refuseRelock('tryLock()');
    const step = this.#step(false, false, true);
    return typeof step === 'number' ? kBusy : step;
  }

  /**
   * Releases the lock. After an `ownerDied` acquire without `markConsistent()`, the lock becomes
   * not recoverable: every waiter and later acquirer gets ERR_NDSHARE_LOCK_NOT_RECOVERABLE.
   */
  unlock(): void {
    const w = this.#words;
    // The common case in one test: held by this object, not taken over, not recovering. Plain
    // reads suffice: only the holder (us) changes these words while the lock is held.
    if (this.#held && !this.#closed && ((w[kMutexStateWord] as number) & kMutexOwnerMask) === this.#id && w[kMutexGenerationWord] === this.#generation && w[kMutexConsistencyWord] === kMutexConsistent) {
      this.#held = false;
      if ((Atomics.exchange(w, kMutexStateWord, 0) & kMutexWaitersBit) !== 0) wake(this.#words, kMutexStateWord, 1);
      return;
    }
    this.#open('unlock()');
    if (!this.#held) {
      const s = Atomics.load(this.#words, kMutexStateWord);
      const who = s === 0 ? 'nobody holds it' : s === kMutexNotRecoverable ? 'it is not recoverable' : `owner ${s & kMutexOwnerMask} holds it`;
      throw new NdshareError('ERR_NDSHARE_LOCK_NOT_OWNER', `Expected unlock() from the holder of this mutex but this Mutex object does not hold it (${who})`);
    }
    this.#held = false;
    if ((Atomics.load(w, kMutexStateWord) & kMutexOwnerMask) !== this.#id || Atomics.load(w, kMutexGenerationWord) !== this.#generation) {
      throw new NdshareError(
        'ERR_NDSHARE_LOCK_NOT_OWNER',
        'Expected unlock() from the holder of this mutex but another thread took it over (this thread was taken for dead: its fd was closed)',
      );
    }
    if (Atomics.load(w, kMutexConsistencyWord) === kMutexRecovering) {
      // POSIX robust-mutex semantics: an unrepaired state must never be handed on as valid.
      Atomics.store(w, kMutexStateWord, kMutexNotRecoverable);
      wake(this.#words, kMutexStateWord, 0x7fffffff);
      return;
    }
    if ((Atomics.exchange(w, kMutexStateWord, 0) & kMutexWaitersBit) !== 0) wake(this.#words, kMutexStateWord, 1);
  }

  /** After an `ownerDied` acquire: declares the protected state repaired, so unlock() keeps the lock usable. */
  markConsistent(): void {
    this.#open('markConsistent()');
    if (!this.#held) throw new NdshareError('ERR_NDSHARE_LOCK_NOT_OWNER', 'Expected markConsistent() from the holder of this mutex but this Mutex object does not hold it');
    if (Atomics.load(this.#words, kMutexConsistencyWord) !== kMutexRecovering) {
      throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', 'Expected markConsistent() after an acquire that reported ownerDied: true but the lock is already consistent');
    }
    Atomics.store(this.#words, kMutexConsistencyWord, kMutexConsistent);
  }

  /**
   * Runs `fn` holding the lock (async acquire) and always unlocks. Throws ERR_NDSHARE_LOCK_TIMEOUT
   * if `timeoutMs` passes first. `fn` receives the acquire outcome (check `ownerDied`).
   */
  async withLock<T>(fn: (acquired: Acquired) => T | Promise<T>, options?: LockOptions): Promise<T> {
    if (typeof fn !== 'function') invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'a function', 'withLock(fn)', fn);
    const got = await this.lock(options);
    if (got.state === 'timeout') throw timeoutError(got.timeoutMs);
    try {
      return await fn(got);
    } finally {
      if (this.#held) this.unlock();
    }
  }

  /** Blocking `withLock` for workers and child processes. */
  withLockSync<T>(fn: (acquired: Acquired) => T, options?: LockOptions): T {
    if (typeof fn !== 'function') invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'a function', 'withLockSync(fn)', fn);
    const got = this.lockSync(options);
    if (got.state === 'timeout') throw timeoutError(got.timeoutMs);
    try {
      return fn(got);
    } finally {
      if (this.#held) this.unlock();
    }
  }

  /**
   * Detaches: closes this thread's fd (and its owner-liveness lock) and, for the creator of a
   * 'shm' mutex, the name. Closing while holding the lock counts as owner death for the others.
   */
  close(): void {
    if (this.#held && !this.#closed) this.#abandon();
    if (!this.#closed) {
      this.#threadIds.delete(this.#id);
      if (this.#threadIds.size === 0) threadOwners.delete(this.#segmentKey);
    }
    this.#held = false;
    this.#closed = true;
    this.#seg.close();
  }

  /**
   * Closing while holding is a death in the critical section, but announced: release the word
   * now with the state marked as needing recovery, so the next acquirer gets ownerDied at once.
   * Waiting for the liveness check instead could take until the garbage collector runs: the
   * segment's mapping keeps the file description, and with it the owner's liveness lock.
   */
  #abandon(): void {
    const w = this.#words;
    if ((Atomics.load(w, kMutexStateWord) & kMutexOwnerMask) !== this.#id || Atomics.load(w, kMutexGenerationWord) !== this.#generation) return;
    Atomics.store(w, kMutexConsistencyWord, kMutexRecovering);
    if ((Atomics.exchange(w, kMutexStateWord, 0) & kMutexWaitersBit) !== 0) wake(this.#words, kMutexStateWord, 1);
  }

  /**
   * One non-blocking acquisition attempt. Returns the outcome, or the word value to sleep on.
   * `blocking`: the caller would block this thread, so waiting for another attachment of this
   * same thread could never end and is refused as a relock. `slept`: we slept before, so other
   * sleepers may exist and the waiters bit must survive our acquire (or they would never be woken).
   * `checkOwner`: test the owner's liveness (a system call). Waiters do it only after a whole
   * slice passed without a wake-up: a live owner that unlocks wakes us first, so contended
   * hand-offs pay no liveness syscall, and a dead owner is still found within one slice.
   */
  #step(blocking: boolean, slept: boolean, checkOwner: boolean): Acquired | number {
    const w = this.#words;
    for (let spin = 0; ; spin++) {
      const s = Atomics.load(w, kMutexStateWord);
      if (s === 0) {
        const want = slept ? this.#id | kMutexWaitersBit : this.#id;
        if (Atomics.compareExchange(w, kMutexStateWord, 0, want) === 0) return this.#took(false);
        continue;
      }
      if (s === kMutexNotRecoverable) throw notRecoverableError();
      const owner = s & kMutexOwnerMask;
      if (this.#threadIds.has(owner)) {
        if (blocking) {
          throw new NdshareError('ERR_NDSHARE_LOCK_RELOCK', `Expected a lock held by another thread for a blocking acquire but this thread already holds it through another Mutex object (owner ${owner})`);
        }
      } else if (checkOwner && spin >= kSpinRounds && this.#ownerDead(owner)) {
        if (Atomics.compareExchange(w, kMutexStateWord, s, this.#id | (s & kMutexWaitersBit)) === s) return this.#took(true);
        continue;
      }
      if (spin < kSpinRounds) continue;
      if ((s & kMutexWaitersBit) === 0 && Atomics.compareExchange(w, kMutexStateWord, s, s | kMutexWaitersBit) !== s) continue;
      return s | kMutexWaitersBit;
    }
  }

  /**
   * The attempt at the deadline checks the owner's liveness whatever the slices said: a zero
   * timeout never sleeps, so without it a dead holder would time it out for ever (tryLock() and
   * this agree on a dead holder).
   */
  #lastAttempt(blocking: boolean, slept: boolean, timeoutMs: number): LockOutcome {
    const step = this.#step(blocking, slept, true);
    return typeof step === 'number' ? { state: 'timeout', timeoutMs } : step;
  }

  #took(ownerDied: boolean): Acquired {
    this.#held = true;
    // A plain increment is enough: only the holder writes this word, and the next holder's
    // compare-and-swap on the state word orders it (no third atomic read-modify-write per acquire).
    const g = ((this.#words[kMutexGenerationWord] as number) + 1) | 0;
    this.#words[kMutexGenerationWord] = g;
    this.#generation = g;
    // A holder that closed while holding left the state marked for recovery (see #abandon).
    if (!ownerDied && this.#words[kMutexConsistencyWord] !== kMutexRecovering) return kAcquired;
    Atomics.store(this.#words, kMutexConsistencyWord, kMutexRecovering);
    return kAcquiredOwnerDied;
  }

  /** No open file description holds the owner's liveness byte: the owner's fd is closed. */
  #ownerDead(owner: number): boolean {
    return native().ofdTest(this.#seg.fd, 2, kOwnerLockBase + owner, 1) === 0;
  }

  #refuseRelock(what: string): void {
    if (this.#held) throw new NdshareError('ERR_NDSHARE_LOCK_RELOCK', `Expected ${what} on a mutex this Mutex object does not hold but it already holds it; unlock() first`);
  }

  #open(what: string): void {
    if (this.#closed) throw new NdshareError('ERR_NDSHARE_CLOSED', `Expected an open Mutex for ${what} but it was closed`);
  }
}

function timeoutError(timeoutMs: number): NdshareError {
  return new NdshareError('ERR_NDSHARE_LOCK_TIMEOUT', `Expected to acquire the mutex within ${timeoutMs} ms but another holder kept it; the lock was not taken`);
}

function notRecoverableError(): NdshareError {
  return new NdshareError(
    'ERR_NDSHARE_LOCK_NOT_RECOVERABLE',
    'Expected a usable mutex but it is not recoverable: a holder died inside its critical section and the next holder unlocked without markConsistent()',
  );
}
