/**
 * Sleeping on a shared word, the two ways ndshare allows: blocking (workers, child processes) and
 * on the libuv pool (any thread, the event loop keeps running). Both go through futex(2) without
 * FUTEX_PRIVATE_FLAG, because V8's Atomics.wait/notify only pair up inside one process.
 * Every sleep is one bounded slice; callers loop and re-check their word.
 */
import { invalid } from '../errors.js';
import { checkOptions } from '../core/validate.js';
import { kSyncWaitSliceMs } from './layout.js';
import { native, type FutexResult } from '../core/native.js';

/** Blocks this thread while words[index] === expected, for at most one slice (or `maxMs`). */
export function sleepSync(words: Int32Array, index: number, expected: number, maxMs: number): FutexResult {
  return native().futexWait(words, index, expected, sliceOf(maxMs));
}

/** Same, on the libuv pool: resolves after a wake, a value change or one slice. */
export function sleepAsync(words: Int32Array, index: number, expected: number, maxMs: number): Promise<FutexResult> {
  return new Promise((resolve) => native().futexWaitAsync(words, index, expected, sliceOf(maxMs), resolve));
}

/** Wakes up to `count` sleepers of words[index], in any process. */
export function wake(words: Int32Array, index: number, count: number): void {
  native().futexWake(words, index, count);
}

function sliceOf(maxMs: number): number {
  // Whole milliseconds: futex takes a timespec, and a 0 ms sleep would spin.
  return Math.max(1, Math.min(kSyncWaitSliceMs, Math.ceil(maxMs)));
}

/** A validated timeout: Infinity (default) or a finite number of ms >= 0. */
export function deadlineOf(timeoutMs: number): number {
  return timeoutMs === Infinity ? Infinity : performance.now() + timeoutMs;
}

/** Reads `options.timeoutMs`: Infinity when absent, else a finite number of ms >= 0. */
export function checkTimeout(options: unknown, what: string): number {
  if (options === undefined) return Infinity;
  const t = checkOptions(options, what, ['timeoutMs'])['timeoutMs'];
  if (t === undefined || t === Infinity) return Infinity;
  if (typeof t !== 'number' || !(t >= 0) || !Number.isFinite(t)) return invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'a timeout in ms >= 0 (or Infinity)', `${what}.timeoutMs`, t);
  return t;
}
