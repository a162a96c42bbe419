/**
 * unlock() and markConsistent() by a non-owner get ERR_NDSHARE_LOCK_NOT_OWNER and leave the
 * holder's lock alone: another process's lock, a free lock, and another object of the holder's
 * own thread.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Mutex, NdshareError } from '../src/index.js';
import { SyncPeer } from './helpers/sync-peer.js';
import { ShmSnapshot } from './helpers/shm.js';

const isNotOwner = (e: unknown): boolean => e instanceof NdshareError && e.code === 'ERR_NDSHARE_LOCK_NOT_OWNER';

test('unlock by a non-owner throws ERR_NDSHARE_LOCK_NOT_OWNER and does not release the lock', async () => {
  const shm = new ShmSnapshot();
  const mutex = Mutex.create();
  const peer = await SyncPeer.process();
  try {
    assert.throws(() => mutex.unlock(), isNotOwner, 'nobody holds it');
    await peer.ok({ op: 'attach', mutex: mutex.handle });
    assert.equal(await peer.fails({ op: 'unlock' }), 'ERR_NDSHARE_LOCK_NOT_OWNER');
    await peer.ok({ op: 'lock' });
    assert.throws(() => mutex.unlock(), isNotOwner, 'another process holds it');
    assert.throws(() => mutex.markConsistent(), isNotOwner);
    assert.equal(mutex.tryLock().state, 'busy', 'still held by the peer');
    assert.equal(await peer.ok({ op: 'unlock' }), 'unlocked');

    const other = Mutex.attach(mutex.handle);
    try {
      assert.equal(mutex.tryLock().state, 'acquired');
      assert.throws(() => other.unlock(), isNotOwner, 'another object of the same thread');
      assert.equal(mutex.held, true);
      mutex.unlock();
    } finally {
      other.close();
    }
  } finally {
    await peer.close();
    mutex.close();
  }
  assert.deepEqual(shm.addedBy(), []);
});
