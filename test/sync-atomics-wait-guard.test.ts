/**
 * Guard: V8's Atomics.wait in process B is NOT woken by Atomics.notify from process A on the same
 * shared memory, even after A changed the value: V8 keys its waiter list by virtual address inside
 * one isolate group. This is why ndshare waits through futex(2). If a future Node made this test
 * fail, that is news worth reading, not a reason to switch ndshare to Atomics.wait.
 * Controls: the same notify wakes a worker thread of this process, and futex(2) wakes process B.
 * Nothing can hang: B's wait has a 1 s timeout and every reply has a watchdog.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, type NdArray } from '../src/index.js';
import { native } from '../src/core/native.js';
import { SyncPeer } from './helpers/sync-peer.js';
import { ShmSnapshot } from './helpers/shm.js';

const kWaitMs = 1000;
const kAttempts = 10;

/**
 * Runs one wait in `peer` and, once the peer announced it is about to wait (word 1), changes the
 * value and keeps notifying both ways until the peer replies. Retries when the peer started its
 * wait only after the change ('not-equal'), which says nothing either way. Nothing observable says
 * that another process is inside Atomics.wait, so each retry leaves the peer longer between its
 * announcement and the change (0, 2, 4, ... 512 ms, all below the peer's 1 s wait): on a loaded
 * machine (CI's Node matrix) the peer lost the race 5 times in a row with no gap.
 */
async function waitAndNotify(peer: SyncPeer, cell: NdArray<'int32'>, op: 'atomics-wait' | 'futex-wait', handle: unknown = cell.handle): Promise<unknown> {
  const words = cell.data;
  for (let attempt = 0; attempt < kAttempts; attempt++) {
    Atomics.store(words, 0, 0);
    Atomics.store(words, 1, 0);
    const reply = peer.ok({ op, array: handle, timeoutMs: kWaitMs });
    let done = false;
    void reply.finally(() => (done = true)).catch(() => undefined);
    while (Atomics.load(words, 1) === 0 && !done) await new Promise((resolve) => setImmediate(resolve));
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 2 ** attempt));
    Atomics.store(words, 0, 1);
    while (!done) {
      Atomics.notify(words, 0);
      native().futexWake(words, 0, 1);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const result = await reply;
    if (result !== 'not-equal') return result;
  }
  return assert.fail(`the peer never started waiting before the value changed in ${kAttempts} attempts`);
}

test('Atomics.wait in another process is not woken by Atomics.notify (futex is, and a worker is)', async () => {
  const shm = new ShmSnapshot();
  const cell = create({ dtype: 'int32', shape: [16] });
  const [other, worker] = (await SyncPeer.group(['process', 'worker'])) as [SyncPeer, SyncPeer];
  try {
    assert.equal(await waitAndNotify(other, cell, 'atomics-wait'), 'timed-out', 'V8 Atomics.notify must not reach another process');
    assert.equal(Atomics.load(cell.data, 0), 1, 'the value had changed while the other process kept waiting');
    // The worker must wait on this very mapping (threadHandle): V8 pairs waiters by address, so even
    // a second mapping of the same segment in this process would not be woken.
    assert.equal(await waitAndNotify(worker, cell, 'atomics-wait', cell.threadHandle), 'ok', 'control: the same notify wakes a worker thread');
    assert.equal(await waitAndNotify(other, cell, 'futex-wait'), 'woken', 'control: futex(2) wakes the other process');
  } finally {
    await other.close();
    await worker.close();
    cell.close();
  }
  assert.deepEqual(shm.addedBy(), []);
});
