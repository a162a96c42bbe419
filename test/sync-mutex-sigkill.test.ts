/**
 * SIGKILL the holder at a random point of its critical section, 100 times: the waiter (this main
 * thread, async acquire, already waiting when the kill lands) gets the lock with ownerDied: true,
 * recovers with markConsistent(), and nothing deadlocks: every acquire has a 30 s limit that
 * turns a hang into a failure.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { create, Mutex, type NdArray } from '../src/index.js';
import { SyncPeer } from './helpers/sync-peer.js';
import { ShmSnapshot } from './helpers/shm.js';

/** Kills (NDSHARE_SYNC_KILLS; CI's Node matrix runs fewer than the default run on Node 20). */
const kRounds = Number(process.env['NDSHARE_SYNC_KILLS'] ?? 100);
const kWatchdogMs = 30_000;
/** Children started ahead of their round, so that process startup overlaps the rounds before. */
const kAhead = 3;

/** Waits until the holder wrote `marker` (it holds the lock by then): a handshake through shared memory. */
async function untilMarked(cell: NdArray<'float64'>, marker: number): Promise<void> {
  const deadline = performance.now() + kWatchdogMs;
  while (cell.data[0] !== marker) {
    if (performance.now() > deadline) assert.fail(`watchdog: the holder never marked round ${marker}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test(`SIGKILL of the holder inside its critical section, ${kRounds} times: the next acquirer gets ownerDied, no deadlock`, async (t) => {
  const shm = new ShmSnapshot();
  const mutex = Mutex.create();
  const cell = create({ dtype: 'float64', shape: [64] });
  const detectMs: number[] = [];
  const ahead: Promise<SyncPeer>[] = Array.from({ length: kAhead }, () => SyncPeer.process());
  try {
    for (let round = 1; round <= kRounds; round++) {
      const holder = await (ahead.shift() ?? SyncPeer.process());
      if (round + ahead.length < kRounds) ahead.push(SyncPeer.process());
      try {
        await holder.ok({ op: 'attach', mutex: mutex.handle });
        holder.post({ op: 'hold', array: cell.handle, marker: round });
        await untilMarked(cell, round);
        const waiting = mutex.lock({ timeoutMs: kWatchdogMs });
        // A random point inside the critical section: the holder keeps writing until the kill lands.
        await delay(Math.random() * 3);
        const killedAt = performance.now();
        await holder.kill();
        const got = await waiting;
        detectMs.push(performance.now() - killedAt);
        assert.equal(got.state, 'acquired', `round ${round}: the waiter gave up after ${kWatchdogMs} ms (deadlock)`);
        assert.equal(got.state === 'acquired' && got.ownerDied, true, `round ${round}: ownerDied`);
        mutex.markConsistent();
        mutex.unlock();
      } finally {
        // A holder of a failed round is still spinning: SIGKILL, not close() (it never reads IPC again).
        await holder.kill();
      }
    }
  } finally {
    // Those that failed to start are gone already; the others are closed, whatever failed first.
    await Promise.allSettled(ahead.map(async (p) => (await p).close()));
    cell.close();
    mutex.close();
  }
  detectMs.sort((a, b) => a - b);
  t.diagnostic(`kill-to-acquire ms (includes waiting for the exit): median ${detectMs[detectMs.length >> 1]?.toFixed(1)}, max ${detectMs.at(-1)?.toFixed(1)}`);
  assert.deepEqual(shm.addedBy(), []);
});
