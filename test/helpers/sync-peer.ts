/**
 * Test-side driver of the sync agent: the same calls for a child process and a worker thread.
 * Every reply has a watchdog (FixtureChild / FixtureWorker), so a hung peer fails the test.
 */
import assert from 'node:assert/strict';
import { FixtureChild } from './child.js';
import { FixtureWorker } from './worker.js';
import type { SyncReply, SyncRequest } from '../fixtures/sync-agent.js';

/** A child process or worker running the sync agent. */
export class SyncPeer {
  readonly #child: FixtureChild<SyncReply> | undefined;
  readonly #worker: FixtureWorker<SyncReply> | undefined;

  private constructor(child: FixtureChild<SyncReply> | undefined, worker: FixtureWorker<SyncReply> | undefined) {
    this.#child = child;
    this.#worker = worker;
  }

  /** Starts a child process and waits for its 'ready'. */
  static async process(watchdogMs?: number): Promise<SyncPeer> {
    const child = new FixtureChild<SyncReply>('sync-agent-child', watchdogMs === undefined ? {} : { watchdogMs });
    await child.next("'ready'");
    return new SyncPeer(child, undefined);
  }

  /** Starts a worker thread and waits for its 'ready'. */
  static async worker(watchdogMs?: number): Promise<SyncPeer> {
    const worker = new FixtureWorker<SyncReply>('sync-agent-worker', undefined, watchdogMs);
    await worker.next("'ready'");
    return new SyncPeer(undefined, worker);
  }

  /**
   * Starts several peers at once. If any fails to start, the others are closed before the error
   * is thrown: a peer nobody holds a reference to would keep the test process alive forever.
   */
  static async group(kinds: readonly ('process' | 'worker')[], watchdogMs?: number): Promise<SyncPeer[]> {
    const settled = await Promise.allSettled(kinds.map((k) => (k === 'process' ? SyncPeer.process(watchdogMs) : SyncPeer.worker(watchdogMs))));
    const started = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.all(started.map((p) => p.close()));
      throw failed.reason;
    }
    return started;
  }

  /** The child's pid (-1 for a worker). */
  get pid(): number {
    return this.#child?.pid ?? -1;
  }

  /** Sends a request and returns the raw reply. */
  request(req: SyncRequest): Promise<SyncReply> {
    if (this.#child) return this.#child.request(req);
    if (this.#worker) return this.#worker.request(req);
    throw new Error('no peer');
  }

  /** Sends a request without waiting for a reply (for requests that never reply: 'hold', 'lock-and-exit'). */
  post(req: SyncRequest): void {
    // No reply is awaited, so no watchdog is armed: the test ends the peer itself (kill, exited).
    if (this.#child) this.#child.send(req);
    else if (this.#worker) this.#worker.send(req);
    else throw new Error('no peer');
  }

  /** Sends a request and returns its value, failing the test on a 'failed' reply. */
  async ok(req: SyncRequest): Promise<unknown> {
    const r = await this.request(req);
    if (r.state !== 'ok') assert.fail(`peer failed ${req.op}: ${r.code} ${r.message}`);
    return r.value;
  }

  /** Sends a request that must fail, and returns its error code. */
  async fails(req: SyncRequest): Promise<string> {
    const r = await this.request(req);
    if (r.state === 'ok') assert.fail(`peer was expected to fail ${req.op} but replied ${JSON.stringify(r.value)}`);
    return r.code;
  }

  /** SIGKILL (process) and wait for the exit (with the watchdog). */
  async kill(): Promise<void> {
    if (!this.#child) throw new Error('kill() is for child processes');
    this.#child.kill('SIGKILL');
    await this.#child.exited;
  }

  /** worker.terminate() (worker) and wait for the exit. */
  async terminate(): Promise<void> {
    if (!this.#worker) throw new Error('terminate() is for workers');
    await this.#worker.close();
  }

  /** Resolves when the peer has ended; fails (and stops it) if it has not within the watchdog. */
  get exited(): Promise<unknown> {
    return (this.#child?.exited ?? this.#worker?.exited) as Promise<unknown>;
  }

  /** Ends the peer (IPC disconnect or terminate) and waits. */
  async close(): Promise<void> {
    if (this.#child) await this.#child.close();
    if (this.#worker) await this.#worker.close();
  }
}
