/**
 * Terminating a worker while its async waits (Mutex.lock(), Barrier.wait()) sit on the libuv pool
 * must not take the process down. Node aborts the whole process when a worker's loop closes with
 * a request still active; ndshare's native teardown hook cancels or wakes those waits first. 20
 * rounds with random delays hit both states: waits still queued, and waits asleep in the kernel.
 * The terminated waits never take the lock.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Barrier, Mutex } from '../src/index.js';
import { SyncPeer } from './helpers/sync-peer.js';
import { ShmSnapshot } from './helpers/shm.js';

const kRounds = 20;

test('worker.terminate() during async lock() and barrier waits leaves this process running and the lock untouched', async () => {
  const shm = new ShmSnapshot();
  const mutex = Mutex.create();
  const barrier = Barrier.create(2);
  try {
    assert.equal(mutex.tryLock().state, 'acquired');
    for (let round = 0; round < kRounds; round++) {
      const worker = await SyncPeer.worker();
      try {
        await worker.ok({ op: 'attach', mutex: mutex.handle });
        assert.equal(await worker.ok({ op: 'lock-async', count: 3, barrier: barrier.handle }), 'waiting');
        await delay(Math.random() * 15);
      } finally {
        await worker.terminate();
      }
      assert.equal(mutex.held, true, `round ${round}: this thread still holds the lock`);
    }
    mutex.unlock();
    assert.deepEqual(mutex.tryLock(), { state: 'acquired', ownerDied: false }, 'no terminated waiter took the lock');
    mutex.unlock();
  } finally {
    barrier.close();
    mutex.close();
  }
  assert.deepEqual(shm.addedBy(), []);
});
