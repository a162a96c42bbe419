/**
 * Barrier: `parties` processes and threads wait until all of them arrived, round after round.
 *
 * An arrival counter and a round number share a small segment. The last arrival resets the
 * counter, then bumps the round and wakes every sleeper (futex on the round word, so sleepers in
 * other processes wake too). Resetting before bumping is what keeps a fast party's next arrival
 * out of the round that is ending. A party that gives up (timeout) breaks the barrier for all,
 * as Python's threading.Barrier does, because the count can no longer be trusted.
 */
import { invalid, NdshareError } from '../errors.js';
import { checkOptions, optionNames } from '../core/validate.js';
import { guardClone, notCloneable } from '../core/clone-guard.js';
import { kBarrierBrokenWord, kBarrierCountWord, kBarrierPartiesWord, kBarrierRoundWord, kSyncKindBarrier } from './layout.js';
import { checkSyncEnvelope, type BarrierHandle } from './handle.js';
import { SyncSegment, type SyncBacking } from './word-segment.js';
import { checkTimeout, deadlineOf, sleepAsync, sleepSync, wake } from './wait.js';

/**
 * What `wait()` reports. 'passed': every party arrived (`serial` is true for exactly one party
 * per round, the last to arrive). 'timeout': this party gave up and broke the barrier.
 * 'broken': another party gave up earlier; the barrier stays broken.
 */
export type BarrierOutcome =
  | { readonly state: 'passed'; readonly serial: boolean }
  | { readonly state: 'timeout'; readonly timeoutMs: number }
  | { readonly state: 'broken' };

/** Options of `Barrier.create()`. */
export interface BarrierOptions {
  /** 'shm' (default) or 'memfd'. */
  backing?: SyncBacking;
}

/** Options of `wait()`. */
export interface BarrierWaitOptions {
  /** Give up (and break the barrier) after this many ms. Default: wait forever. */
  timeoutMs?: number;
}

const kBarrierOptions = optionNames<BarrierOptions>({ backing: true });

const kPassed = Object.freeze({ state: 'passed' as const, serial: false });
const kPassedSerial = Object.freeze({ state: 'passed' as const, serial: true });
const kBroken = Object.freeze({ state: 'broken' as const });
const kMaxParties = 0x7fffffff;

/** What to post in place of the object (it belongs to the thread that made it). */
const kPostInstead = 'barrier.handle (for any thread or process)';

/** A reusable barrier for `parties` processes and threads. */
export class Barrier {
  readonly #seg: SyncSegment;
  readonly #words: Int32Array;
  readonly #parties: number;

  private constructor(seg: SyncSegment) {
    guardClone(this, 'a Barrier', kPostInstead);
    this.#seg = seg;
    this.#words = seg.words;
    this.#parties = Atomics.load(seg.words, kBarrierPartiesWord);
  }

  /** JSON.stringify() and child.send() with 'json' serialization fail at the call: post `handle`. */
  toJSON(): never {
    throw notCloneable('a Barrier', kPostInstead);
  }

  /** Creates a barrier for `parties` participants (>= 1). */
  static create(parties: number, options: BarrierOptions = {}): Barrier {
    if (typeof parties !== 'number' || !Number.isInteger(parties) || parties < 1 || parties > kMaxParties) {
      invalid('ERR_NDSHARE_INVALID_ARGUMENT', `an integer number of parties between 1 and ${kMaxParties}`, 'Barrier.create(parties)', parties);
    }
    checkOptions(options, 'Barrier.create() options', kBarrierOptions);
    const seg = SyncSegment.create(kSyncKindBarrier, options.backing, 'options.backing');
    Atomics.store(seg.words, kBarrierPartiesWord, parties);
    return new Barrier(seg);
  }

  /** Attaches a barrier by its handle. */
  static attach(handle: BarrierHandle | unknown): Barrier {
    const h = checkSyncEnvelope(handle, 'barrier', 'barrier handle');
    const b = new Barrier(SyncSegment.attach(h['segment'], kSyncKindBarrier, 'barrier', 'barrier handle.segment'));
    if (h['parties'] !== b.#parties) {
      b.close();
      invalid('ERR_NDSHARE_HANDLE_MISMATCH', `parties ${b.#parties} (what the segment says)`, 'barrier handle.parties', h['parties']);
    }
    return b;
  }

  /** A JSON-safe handle for `Barrier.attach()` elsewhere. */
  get handle(): BarrierHandle {
    this.#open('handle');
    return { ndshare: 1, kind: 'barrier', parties: this.#parties, segment: this.#seg.handle };
  }

  /** Number of participants per round. */
  get parties(): number {
    return this.#parties;
  }

  /** True once a party timed out; every later wait() reports 'broken'. */
  get broken(): boolean {
    return Atomics.load(this.#words, kBarrierBrokenWord) !== 0;
  }

  /** Arrives and waits for the others without blocking the event loop. */
  async wait(options?: BarrierWaitOptions): Promise<BarrierOutcome> {
    const timeoutMs = checkTimeout(options, 'wait() options');
    const arrived = this.#arrive();
    if (typeof arrived !== 'number') return arrived;
    const deadline = deadlineOf(timeoutMs);
    for (;;) {
      const r = this.#check(arrived, deadline, timeoutMs);
      if (r !== undefined) return r;
      await sleepAsync(this.#words, kBarrierRoundWord, arrived, deadline - performance.now());
    }
  }

  /** Arrives and blocks this thread until the others arrive (workers, child processes). */
  waitSync(options?: BarrierWaitOptions): BarrierOutcome {
    const timeoutMs = checkTimeout(options, 'waitSync() options');
    const arrived = this.#arrive();
    if (typeof arrived !== 'number') return arrived;
    const deadline = deadlineOf(timeoutMs);
    for (;;) {
      const r = this.#check(arrived, deadline, timeoutMs);
      if (r !== undefined) return r;
      sleepSync(this.#words, kBarrierRoundWord, arrived, deadline - performance.now());
    }
  }

  /** Detaches (closes the fd; the creator also removes the name). Idempotent. */
  close(): void {
    this.#seg.close();
  }

  /** Counts this arrival. Returns the outcome if the round is over (or broken), else the round to wait on. */
  #arrive(): BarrierOutcome | number {
    this.#open('wait()');
    const w = this.#words;
    if (Atomics.load(w, kBarrierBrokenWord) !== 0) return kBroken;
    const round = Atomics.load(w, kBarrierRoundWord);
    if (Atomics.add(w, kBarrierCountWord, 1) + 1 < this.#parties) return round;
    Atomics.store(w, kBarrierCountWord, 0);
    Atomics.add(w, kBarrierRoundWord, 1);
    wake(this.#words, kBarrierRoundWord, 0x7fffffff);
    return kPassedSerial;
  }

  #check(round: number, deadline: number, timeoutMs: number): BarrierOutcome | undefined {
    const w = this.#words;
    if (Atomics.load(w, kBarrierRoundWord) !== round) return kPassed;
    if (Atomics.load(w, kBarrierBrokenWord) !== 0) return kBroken;
    if (this.#seg.closed) this.#open('wait()');
    if (performance.now() < deadline) return undefined;
    Atomics.store(w, kBarrierBrokenWord, 1);
    wake(this.#words, kBarrierRoundWord, 0x7fffffff);
    return { state: 'timeout', timeoutMs };
  }

  #open(what: string): void {
    if (this.#seg.closed) throw new NdshareError('ERR_NDSHARE_CLOSED', `Expected an open Barrier for ${what} but it was closed`);
  }
}
