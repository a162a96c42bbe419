/**
 * A real worker thread running a compiled fixture, with the same request/reply handshake and
 * watchdog as FixtureChild.
 */
import { Worker } from 'node:worker_threads';
import { kDefaultWatchdogMs, MessageQueue } from './channel.js';
import { fixturePath } from './child.js';

/** A running fixture worker. Always `await worker.close()` in a finally block. */
export class FixtureWorker<M = unknown> {
  readonly #worker: Worker;
  readonly #queue: MessageQueue<M>;
  readonly #watchdogMs: number;
  readonly exited: Promise<number>;

  constructor(name: string, workerData?: unknown, watchdogMs = kDefaultWatchdogMs) {
    this.#worker = new Worker(fixturePath(name), { workerData });
    this.#watchdogMs = watchdogMs;
    this.#queue = new MessageQueue<M>(`worker ${name}`);
    this.#worker.on('message', (m) => this.#queue.push(m as M));
    this.#worker.on('error', (e) => this.#queue.end(e instanceof Error ? e : new Error(String(e))));
    this.exited = new Promise<number>((resolve) => {
      this.#worker.on('exit', (code) => {
        this.#queue.end(new Error(`worker ${name} exited (code ${code}) before replying`));
        resolve(code);
      });
    });
  }

  /** Waits for the next message. */
  next(): Promise<M> {
    return this.#queue.next(this.#watchdogMs, () => void this.#worker.terminate());
  }

  /** Sends one message (structured clone: a SharedArrayBuffer inside stays shared) and waits for the reply. */
  request(message: unknown): Promise<M> {
    this.#worker.postMessage(message);
    return this.next();
  }

  /** Terminates the worker and waits for it to exit. */
  async close(): Promise<number> {
    await this.#worker.terminate();
    return this.exited;
  }
}
