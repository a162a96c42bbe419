/**
 * Mutex owners in two PID namespaces that share /dev/shm (two containers of one pod): both holders
 * run as PID 1, so both main threads have kernel thread id 1. Owner identity must still be
 * unique: the second holder waits (it does not get ERR_NDSHARE_LOCK_RELOCK as if it held the lock
 * itself), a shared counter incremented under the lock by both loses no update, and when one
 * holder is SIGKILLed inside its critical section the other takes the lock with ownerDied: true.
 * Needs root (unshare --pid); each holder is `unshare --pid --fork --kill-child node <fixture>`.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { create, Mutex } from '../src/index.js';
import { fixturePath } from './helpers/child.js';
import { MessageQueue, stopAtTestEnd } from './helpers/channel.js';
import { untilGone } from './helpers/process.js';
import { ShmSnapshot } from './helpers/shm.js';
import type { PidnsReply, PidnsRequest } from './fixtures/reliability-pidns-mutex.js';

const kWatchdogMs = 60_000;
const kCountPerHolder = 3000;

/** A fixture running as PID 1 of a fresh PID namespace, driven over JSON lines. */
class NamespacedHolder {
  readonly #child: ChildProcess;
  readonly #queue: MessageQueue<PidnsReply>;
  readonly #stderr: string[] = [];
  readonly #exited: Promise<void>;
  readonly label: string;

  constructor(label: string) {
    this.label = label;
    this.#child = spawn('unshare', ['--pid', '--fork', '--kill-child', process.execPath, fixturePath('reliability-pidns-mutex')], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#queue = new MessageQueue<PidnsReply>(`holder ${label} (unshare pid ${this.#child.pid})`);
    this.#child.stderr?.setEncoding('utf8').on('data', (s: string) => this.#stderr.push(s));
    this.#child.stdin?.on('error', () => undefined);
    createInterface({ input: this.#child.stdout as NodeJS.ReadableStream }).on('line', (line) => this.#queue.push(JSON.parse(line) as PidnsReply));
    this.#exited = new Promise((resolve) => {
      this.#child.on('exit', (code, signal) => {
        this.#queue.end(`it exited (code ${code}, signal ${signal}); stderr: ${this.#stderr.join('').slice(-2000)}`);
        resolve();
      });
    });
    stopAtTestEnd(this.label, () => this.#child.exitCode === null && this.#child.signalCode === null, () => this.#child.kill('SIGKILL'));
  }

  next(what: string): Promise<PidnsReply> {
    return this.#queue.next(kWatchdogMs, () => this.#child.kill('SIGKILL'), what);
  }

  request(req: PidnsRequest): Promise<PidnsReply> {
    this.#child.stdin?.write(`${JSON.stringify(req)}\n`);
    return this.next(`to reply to '${req.op}'`);
  }

  /** The reply's value, or `code: <code>` for a failed request (outcomes are compared as values). */
  async value(req: PidnsRequest): Promise<unknown> {
    const r = await this.request(req);
    return r.state === 'ok' ? r.value : `code: ${r.code}`;
  }

  async close(): Promise<void> {
    this.#child.stdin?.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), kWatchdogMs);
    try {
      await this.#exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

test('mutex owners in two PID namespaces (both tid 1): exclusion and owner-death recovery', { skip: process.getuid?.() === 0 ? undefined : 'needs root for unshare --pid' }, async (t) => {
  const shm = new ShmSnapshot();
  const mutex = Mutex.create();
  const counter = create({ dtype: 'float64', shape: [1] });
  const a = new NamespacedHolder('A');
  const b = new NamespacedHolder('B');
  const seen: Record<string, unknown> = {};
  try {
    await a.next("'ready'");
    await b.next("'ready'");
    const whoA = (await a.value({ op: 'who' })) as { pid: number; tid: number; hostPid: number };
    const whoB = (await b.value({ op: 'who' })) as { pid: number; tid: number; hostPid: number };
    t.diagnostic(`A: pid ${whoA.pid} tid ${whoA.tid} (host pid ${whoA.hostPid}); B: pid ${whoB.pid} tid ${whoB.tid} (host pid ${whoB.hostPid})`);
    assert.deepEqual([whoA.pid, whoA.tid, whoB.pid, whoB.tid], [1, 1, 1, 1], 'both holders run as pid 1 / tid 1 of their own namespace');
    assert.equal(await a.value({ op: 'attach', mutex: mutex.handle, counter: counter.handle }), 'attached');
    assert.equal(await b.value({ op: 'attach', mutex: mutex.handle, counter: counter.handle }), 'attached');

    // Exclusion: A holds; B's blocking acquire must wait (and time out), not take it or claim it holds it.
    seen['A lock'] = await a.value({ op: 'lock', timeoutMs: 5000 });
    seen['B lockSync 200 ms while A holds'] = await b.value({ op: 'lock', timeoutMs: 200 });
    seen['B tryLock while A holds'] = await b.value({ op: 'trylock' });
    seen['A unlock'] = await a.value({ op: 'unlock' });
    seen['B lock after A unlocked'] = await b.value({ op: 'lock', timeoutMs: 5000 });
    seen['B unlock'] = await b.value({ op: 'unlock' });

    // Both count at once under the lock: any lost update shows in the total.
    const counting = [a.value({ op: 'count', n: kCountPerHolder }), b.value({ op: 'count', n: kCountPerHolder })];
    seen['counting'] = await Promise.all(counting);
    seen['counter'] = counter.data[0];

    // Owner death: A dies holding the lock; B must recover it.
    seen['A lock before the kill'] = await a.value({ op: 'lock', timeoutMs: 5000 });
    process.kill(whoA.hostPid, 'SIGKILL');
    await untilGone(whoA.hostPid, 'holder A');
    seen['B tryLock after A died'] = await b.value({ op: 'trylock' });
    if ((seen['B tryLock after A died'] as { state?: string }).state !== 'acquired') {
      seen['B lockSync 2 s after A died'] = await b.value({ op: 'lock', timeoutMs: 2000 });
    }
    t.diagnostic(JSON.stringify(seen));

    assert.deepEqual(seen['A lock'], { state: 'acquired', ownerDied: false });
    assert.deepEqual(seen['B lockSync 200 ms while A holds'], { state: 'timeout', timeoutMs: 200 }, 'B waits for A (a different owner), it is not refused as a relock');
    assert.deepEqual(seen['B tryLock while A holds'], { state: 'busy' });
    assert.deepEqual(seen['B lock after A unlocked'], { state: 'acquired', ownerDied: false });
    assert.deepEqual(seen['counting'], ['counted', 'counted']);
    assert.equal(seen['counter'], 2 * kCountPerHolder, 'no update lost: the lock excluded the other namespace');
    assert.deepEqual(seen['B tryLock after A died'], { state: 'acquired', ownerDied: true }, "B recovers the dead holder's lock");
    assert.equal(await b.value({ op: 'mark' }), 'marked');
    assert.equal(await b.value({ op: 'unlock' }), 'unlocked');
    assert.deepEqual(mutex.tryLock(), { state: 'acquired', ownerDied: false }, 'usable again from the host namespace');
    mutex.unlock();
  } finally {
    await Promise.all([a.close(), b.close()]);
    counter.close();
    mutex.close();
  }
  assert.deepEqual(shm.addedBy(), []);
});
