/**
 * Deadlines for everything a test waits for from another process or thread, and the queue of
 * messages from a child process or worker, read in order with `next()`. Every wait has a deadline:
 * a peer that hangs fails the test saying what was awaited, instead of hanging the suite. The
 * deadline is a watchdog, not a timing assertion: it is generous on purpose.
 */
import { after } from 'node:test';

/** Default watchdog for one message (generous: the machine is shared and slow at times). */
export const kDefaultWatchdogMs = 60_000;

/**
 * Waits for `promise`, or fails after `ms` with "Expected <what> within <ms> ms" and runs
 * `onTimeout` (kill the peer that hangs, so that it cannot keep the test process alive).
 */
export async function deadline<T>(promise: Promise<T>, what: string, ms = kDefaultWatchdogMs, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new Error(`Expected ${what} within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** What a request is, for messages: its `op` if it has one, else its JSON (shortened). */
export function describeRequest(message: unknown): string {
  const op = (message as { op?: unknown } | null)?.op;
  if (typeof op === 'string') return `'${op}'`;
  const json = JSON.stringify(message) ?? String(message);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

/**
 * Fails the test that started a peer if the peer still runs when that test ends, and stops it.
 * A peer nobody closed (the test threw before its `finally`, or forgot it) would otherwise keep
 * the test process alive for ever, and the runner would wait for that process without a word.
 * Called inside a test, node:test attaches the hook to that test; elsewhere, to the file.
 */
export function stopAtTestEnd(label: string, running: () => boolean, stop: () => void): void {
  after(() => {
    if (!running()) return;
    stop();
    throw new Error(`Expected ${label} to have ended by the end of the test that started it (await its close() in a finally block); stopped it`);
  });
}

export class MessageQueue<M> {
  readonly #queue: M[] = [];
  readonly #waiters: Array<{ resolve: (m: M) => void; reject: (e: Error) => void; what: string }> = [];
  #ended: { why: string; cause?: unknown } | undefined;
  readonly #label: string;

  /** `label` names the peer in messages: "child sync-agent-child (pid 123)". */
  constructor(label: string) {
    this.#label = label;
  }

  /** Delivers a message from the peer. */
  push(message: M): void {
    const w = this.#waiters.shift();
    if (w) w.resolve(message);
    else this.#queue.push(message);
  }

  /** The peer is gone (`why`: "it exited (code 1, ...)"): pending and future reads fail at once. */
  end(why: string, cause?: unknown): void {
    if (this.#ended) return;
    this.#ended = { why, cause };
    for (const w of this.#waiters.splice(0)) w.reject(this.#endedError(w.what));
  }

  #endedError(what: string): Error {
    const { why, cause } = this.#ended ?? { why: 'it ended' };
    return new Error(`Expected ${this.#label} ${what} but ${why}`, cause === undefined ? undefined : { cause });
  }

  /**
   * The next message; rejects if the peer ends first or nothing arrives within `timeoutMs`.
   * `what` completes "Expected <peer> ..." in the failure: "to reply to 'lock'".
   */
  next(timeoutMs = kDefaultWatchdogMs, onTimeout?: () => void, what = 'to send a message'): Promise<M> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#ended) return Promise.reject(this.#endedError(what));
    return new Promise<M>((resolve, reject) => {
      const waiter = {
        what,
        resolve: (m: M) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        onTimeout?.();
        reject(new Error(`Expected ${this.#label} ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }
}
