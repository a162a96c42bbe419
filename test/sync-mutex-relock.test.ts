/**
 * A relock by the owner gets ERR_NDSHARE_LOCK_RELOCK at once instead of a self-deadlock: async
 * and try on the main thread, blocking in a worker, and a blocking acquire through a second Mutex
 * object of the same thread (which could never be granted while the thread is blocked).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Mutex, NdshareError } from '../src/index.js';
import { SyncPeer } from './helpers/sync-peer.js';
import { ShmSnapshot } from './helpers/shm.js';

const isRelock = (e: unknown): boolean => e instanceof NdshareError && e.code === 'ERR_NDSHARE_LOCK_RELOCK';

test('relocking a held mutex throws ERR_NDSHARE_LOCK_RELOCK and never hangs', async () => {
  const shm = new ShmSnapshot();
  const mutex = Mutex.create();
  const second = Mutex.attach(mutex.handle);
  const worker = await SyncPeer.worker();
  try {
    assert.equal((await mutex.lock()).state, 'acquired');
    await assert.rejects(mutex.lock(), isRelock);
    assert.throws(() => mutex.tryLock(), isRelock);
    assert.throws(() => mutex.lockSync(), isRelock);
    assert.throws(() => second.lockSync(), isRelock, 'a blocking acquire through another object of the owning thread');
    assert.equal(second.tryLock().state, 'busy', 'tryLock through another object just reports busy');
    assert.equal(mutex.held, true, 'the failed relocks did not disturb the holder');
    mutex.unlock();

    await worker.ok({ op: 'attach', mutex: mutex.handle });
    assert.equal(((await worker.ok({ op: 'lock' })) as { state: string }).state, 'acquired');
    assert.equal(await worker.fails({ op: 'lock' }), 'ERR_NDSHARE_LOCK_RELOCK');
    assert.equal(await worker.ok({ op: 'unlock' }), 'unlocked');
  } finally {
    await worker.close();
    second.close();
    mutex.close();
  }
  assert.deepEqual(shm.addedBy(), []);
});
