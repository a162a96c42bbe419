/**
 * The control messages between `share()` (parent) and `receive()` (child), for processes (IPC)
 * and threads (the worker's port) alike, and a small in-order inbox. Every message carries the
 * `kWireTag` key so user messages and method messages never mix.
 */
import type { WireError } from '../errors.js';
import type { MethodName } from '../methods/table.js';
import type { Kind } from '../methods/types.js';

/** Environment variable (process) and workerData key (thread) that describe the share. */
export const kShareEnv = 'NDSHARE_SHARE';
/** Key present in every control message. */
export const kWireTag = 'ndshareWire';

/** How the child learns what to receive: JSON for processes, structured clone for threads. */
export interface ShareDescriptor {
  readonly method: MethodName;
  readonly kind: Kind;
  readonly params: unknown;
  /** fd numbers of the method's extra stdio entries (process only). */
  readonly fds: readonly number[];
}

/** Every control message. */
export type WireMessage =
  | { readonly [kWireTag]: 'data'; readonly body: unknown }
  | { readonly [kWireTag]: 'user'; readonly body: unknown }
  | { readonly [kWireTag]: 'reply'; readonly body: unknown }
  | { readonly [kWireTag]: 'failed'; readonly error: WireError };

/** Reads a control message, or null for anything else. */
export function asWire(message: unknown): WireMessage | null {
  if (typeof message !== 'object' || message === null || !(kWireTag in message)) return null;
  return message as WireMessage;
}

/**
 * Messages in arrival order; `next()` waits for one. Once ended, pending and later reads reject
 * with the reason, so a peer that dies can never leave a caller waiting.
 */
export class Inbox<T> {
  readonly #queue: T[] = [];
  readonly #waiters: Array<{ resolve: (v: T) => void; reject: (e: Error) => void }> = [];
  #ended: Error | undefined;

  push(value: T): void {
    const w = this.#waiters.shift();
    if (w) w.resolve(value);
    else this.#queue.push(value);
  }

  end(reason: Error): void {
    if (this.#ended) return;
    this.#ended = reason;
    for (const w of this.#waiters.splice(0)) w.reject(reason);
  }

  next(): Promise<T> {
    if (this.#queue.length > 0) return Promise.resolve(this.#queue.shift() as T);
    if (this.#ended) return Promise.reject(this.#ended);
    return new Promise<T>((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }
}
