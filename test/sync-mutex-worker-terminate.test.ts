/**
 * worker.terminate() of a worker that holds the mutex: Node does not close a worker's fds, so
 * without ndshare's environment cleanup hook the owner would look alive forever and the waiter
 * would time out. With it, the waiter (already waiting) gets ownerDied, and the worker's fds are
 * gone from this process.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Mutex } from '../src/index.js';
import { SyncPeer } from './helpers/sync-peer.js';
import { FdSnapshot } from './helpers/fds.js';
import { ShmSnapshot } from './helpers/shm.js';

test('worker.terminate() of the holder: the waiting acquirer gets ownerDied and the worker fd is closed', async () => {
  const shm = new ShmSnapshot();
  const mutex = Mutex.create();
  const fds = new FdSnapshot();
  const worker = await SyncPeer.worker();
  try {
    await worker.ok({ op: 'attach', mutex: mutex.handle });
    assert.deepEqual(await worker.ok({ op: 'lock' }), { state: 'acquired', ownerDied: false });
    assert.equal(mutex.tryLock().state, 'busy', 'the worker holds the lock');
    const waiting = mutex.lock({ timeoutMs: 30_000 });
    await worker.terminate();
    assert.deepEqual(await waiting, { state: 'acquired', ownerDied: true });
    assert.deepEqual(fds.leaked(), [], 'the terminated worker left no fd open');
    mutex.markConsistent();
    mutex.unlock();
  } finally {
    await worker.close();
    mutex.close();
  }
  assert.deepEqual(shm.addedBy(), []);
});
