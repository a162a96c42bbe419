/**
 * A timeout is an outcome of its own (not owner death) and never steals the lock: after the
 * waiter gives up, the holder still holds it and unlocks normally. Async on the main thread, and
 * blocking in a child process; withLock turns a timeout into ERR_NDSHARE_LOCK_TIMEOUT.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Mutex, NdshareError } from '../src/index.js';
import { SyncPeer } from './helpers/sync-peer.js';
import { ShmSnapshot } from './helpers/shm.js';

test('a timed-out acquire reports timeout, never ownerDied, and does not take the lock', async () => {
  const shm = new ShmSnapshot();
  const mutex = Mutex.create();
  const peer = await SyncPeer.process();
  try {
    await peer.ok({ op: 'attach', mutex: mutex.handle });
    assert.deepEqual(await peer.ok({ op: 'lock' }), { state: 'acquired', ownerDied: false });
    assert.deepEqual(await mutex.lock({ timeoutMs: 50 }), { state: 'timeout', timeoutMs: 50 });
    assert.deepEqual(await mutex.lock({ timeoutMs: 0 }), { state: 'timeout', timeoutMs: 0 });
    await assert.rejects(mutex.withLock(() => 'ran', { timeoutMs: 20 }), (e: unknown) => e instanceof NdshareError && e.code === 'ERR_NDSHARE_LOCK_TIMEOUT');
    assert.equal(mutex.held, false);
    assert.equal(mutex.tryLock().state, 'busy', 'the holder still holds the lock');
    assert.equal(await peer.ok({ op: 'unlock' }), 'unlocked', 'the holder unlocks normally: nothing was stolen');

    // The other way round: a blocking acquire in the child times out while this thread holds it.
    assert.equal(mutex.tryLock().state, 'acquired');
    assert.deepEqual(await peer.ok({ op: 'lock', timeoutMs: 50 }), { state: 'timeout', timeoutMs: 50 });
    assert.equal(mutex.held, true);
    mutex.unlock();
    assert.deepEqual(await peer.ok({ op: 'lock', timeoutMs: 5000 }), { state: 'acquired', ownerDied: false });
    await peer.ok({ op: 'unlock' });
  } finally {
    await peer.close();
    mutex.close();
  }
  assert.deepEqual(shm.addedBy(), []);
});
