/**
 * close() while holding the lock is a death inside the critical section, announced: the next
 * acquirer gets ownerDied at once, whether the closer is another thread (a worker) or another
 * Mutex object of the same thread (whose shared liveness byte stays held, so a liveness check
 * alone could never see the death).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Mutex } from '../src/index.js';
import { SyncPeer } from './helpers/sync-peer.js';
import { ShmSnapshot } from './helpers/shm.js';

test('closing a held mutex hands the next acquirer ownerDied', async () => {
  const shm = new ShmSnapshot();
  const mutex = Mutex.create();
  const worker = await SyncPeer.worker();
  try {
    await worker.ok({ op: 'attach', mutex: mutex.handle });
    await worker.ok({ op: 'lock' });
    await worker.ok({ op: 'close' });
    assert.deepEqual(await mutex.lock({ timeoutMs: 30_000 }), { state: 'acquired', ownerDied: true });
    mutex.markConsistent();
    mutex.unlock();

    const same = Mutex.attach(mutex.handle);
    assert.deepEqual(same.tryLock(), { state: 'acquired', ownerDied: false });
    same.close();
    assert.deepEqual(mutex.lockSync({ timeoutMs: 30_000 }), { state: 'acquired', ownerDied: true }, 'same thread, other object');
    mutex.markConsistent();
    mutex.unlock();
    assert.deepEqual(mutex.tryLock(), { state: 'acquired', ownerDied: false });
    mutex.unlock();
  } finally {
    await worker.close();
    mutex.close();
  }
  assert.deepEqual(shm.addedBy(), []);
});
