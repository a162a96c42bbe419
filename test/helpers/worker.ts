/**
 * A real worker thread running a compiled fixture, with the same request/reply handshake and
 * watchdog as FixtureChild. A worker that throws (its imports, say) or exits fails every pending
 * wait at once, saying how it ended.
 */
import { Worker } from 'node:worker_threads';
import { deadline, describeRequest, kDefaultWatchdogMs, MessageQueue, stopAtTestEnd } from './channel.js';
import { fixturePath } from './child.js';

/** A running fixture worker. Always `await worker.close()` in a finally block. */
export class FixtureWorker<M = unknown> {
  readonly #worker: Worker;
  readonly #queue: MessageQueue<M>;
  readonly #watchdogMs: number;
  readonly #label: string;
  readonly #exited: Promise<number>;
  /** Until 'exit', or until terminate() was called (it ends the thread even if it has not yet). */
  #running = true;

  constructor(name: string, workerData?: unknown, watchdogMs = kDefaultWatchdogMs) {
    this.#worker = new Worker(fixturePath(name), { workerData });
    this.#watchdogMs = watchdogMs;
    this.#label = `worker ${name} (thread ${this.#worker.threadId})`;
    this.#queue = new MessageQueue<M>(this.#label);
    this.#worker.on('message', (m) => this.#queue.push(m as M));
    this.#worker.on('error', (e) => this.#queue.end(`it threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, e));
    this.#exited = new Promise<number>((resolve) => {
      this.#worker.on('exit', (code) => {
        this.#running = false;
        this.#queue.end(`it exited (code ${code})`);
        resolve(code);
      });
    });
    stopAtTestEnd(this.#label, () => this.#running, () => void this.#terminate());
  }

  /** The exit code, once the worker has ended; fails (and terminates it) if it has not within the watchdog. */
  get exited(): Promise<number> {
    return deadline(this.#exited, `${this.#label} to exit`, this.#watchdogMs, () => void this.#terminate());
  }

  /** Waits for the next message; `what` names it in the failure ("'ready'"). */
  next(what?: string): Promise<M> {
    return this.#queue.next(this.#watchdogMs, () => void this.#terminate(), what === undefined ? undefined : `to send ${what}`);
  }

  /** Sends one message (structured clone: a SharedArrayBuffer inside stays shared) and waits for the reply. */
  request(message: unknown): Promise<M> {
    this.send(message);
    return this.#queue.next(this.#watchdogMs, () => void this.#terminate(), `to reply to ${describeRequest(message)}`);
  }

  /** Sends one message that gets no reply. */
  send(message: unknown): void {
    this.#worker.postMessage(message);
  }

  #terminate(): Promise<number> {
    this.#running = false;
    return this.#worker.terminate();
  }

  /** Terminates the worker and waits for it to exit. */
  async close(): Promise<number> {
    await deadline(this.#terminate(), `${this.#label} to terminate`, this.#watchdogMs);
    return this.#exited;
  }
}
