/**
 * A queue of messages from a child process or worker, read in order with `next()`. Every wait has
 * a deadline: a peer that hangs fails the test with what it said so far instead of hanging the
 * suite. The deadline is a watchdog, not a timing assertion: it is generous on purpose.
 */

/** Default watchdog for one message (generous: the machine is shared and slow at times). */
export const kDefaultWatchdogMs = 60_000;

export class MessageQueue<M> {
  readonly #queue: M[] = [];
  readonly #waiters: Array<{ resolve: (m: M) => void; reject: (e: Error) => void }> = [];
  #ended: Error | undefined;
  readonly #label: string;

  constructor(label: string) {
    this.#label = label;
  }

  /** Delivers a message from the peer. */
  push(message: M): void {
    const w = this.#waiters.shift();
    if (w) w.resolve(message);
    else this.#queue.push(message);
  }

  /** The peer is gone: pending and future reads fail with this reason. */
  end(reason: Error): void {
    if (this.#ended) return;
    this.#ended = reason;
    for (const w of this.#waiters.splice(0)) w.reject(reason);
  }

  /** The next message; rejects if the peer ends first or nothing arrives within `timeoutMs`. */
  next(timeoutMs = kDefaultWatchdogMs, onTimeout?: () => void): Promise<M> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#ended) return Promise.reject(this.#ended);
    return new Promise<M>((resolve, reject) => {
      const waiter = {
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
        reject(new Error(`watchdog: ${this.#label} sent nothing for ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }
}
