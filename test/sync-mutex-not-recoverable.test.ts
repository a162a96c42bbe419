/**
 * Recovery is explicit: the holder that got ownerDied and unlocks without markConsistent() makes
 * the lock not recoverable. A waiter in a worker at that moment and every later acquire (async,
 * blocking, try) fail fast with ERR_NDSHARE_LOCK_NOT_RECOVERABLE. markConsistent() outside a
 * recovery is refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Mutex, NdshareError } from '../src/index.js';
import { SyncPeer } from './helpers/sync-peer.js';
import { ShmSnapshot } from './helpers/shm.js';

const isNotRecoverable = (e: unknown): boolean => e instanceof NdshareError && e.code === 'ERR_NDSHARE_LOCK_NOT_RECOVERABLE';

test('unlock after ownerDied without markConsistent makes every later acquire fail fast', async () => {
  const shm = new ShmSnapshot();
  const mutex = Mutex.create();
  const [victim, waiter] = (await SyncPeer.group(['process', 'worker'])) as [SyncPeer, SyncPeer];
  try {
    assert.equal(mutex.tryLock().state, 'acquired');
    assert.throws(() => mutex.markConsistent(), (e: unknown) => e instanceof NdshareError && e.code === 'ERR_NDSHARE_INVALID_ARGUMENT');
    mutex.unlock();

    await victim.ok({ op: 'attach', mutex: mutex.handle });
    await waiter.ok({ op: 'attach', mutex: mutex.handle });
    await victim.ok({ op: 'lock' });
    await victim.kill();
    assert.deepEqual(await mutex.lock({ timeoutMs: 30_000 }), { state: 'acquired', ownerDied: true });
    // A blocking waiter in a worker, asleep or just arriving when the recovery is abandoned:
    // either way it must fail fast rather than wait for its 30 s limit.
    const blocked = waiter.request({ op: 'lock', timeoutMs: 30_000 });
    mutex.unlock();
    const reply = await blocked;
    assert.equal(reply.state === 'failed' && reply.code, 'ERR_NDSHARE_LOCK_NOT_RECOVERABLE');

    await assert.rejects(mutex.lock({ timeoutMs: 30_000 }), isNotRecoverable);
    assert.throws(() => mutex.tryLock(), isNotRecoverable);
    assert.throws(() => mutex.lockSync(), isNotRecoverable);
    assert.equal(await waiter.fails({ op: 'trylock' }), 'ERR_NDSHARE_LOCK_NOT_RECOVERABLE');
  } finally {
    await victim.close();
    await waiter.close();
    mutex.close();
  }
  assert.deepEqual(shm.addedBy(), []);
});
