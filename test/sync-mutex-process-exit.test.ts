/**
 * process.exit() while holding the mutex, in a child process and in a worker (where it ends the
 * thread only): the next acquirer, already waiting, gets ownerDied.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Mutex } from '../src/index.js';
import { SyncPeer } from './helpers/sync-peer.js';
import { ShmSnapshot } from './helpers/shm.js';

for (const kind of ['process', 'worker'] as const) {
  test(`process.exit() in a ${kind} holding the mutex: the next acquirer gets ownerDied`, async () => {
    const shm = new ShmSnapshot();
    const mutex = Mutex.create();
    const peer = kind === 'process' ? await SyncPeer.process() : await SyncPeer.worker();
    try {
      await peer.ok({ op: 'attach', mutex: mutex.handle });
      // The main thread holds the lock first, so the peer's exit happens right after its acquire.
      assert.equal(mutex.tryLock().state, 'acquired');
      peer.post({ op: 'lock-and-exit', code: 0 });
      mutex.unlock();
      await peer.exited;
      assert.deepEqual(await mutex.lock({ timeoutMs: 30_000 }), { state: 'acquired', ownerDied: true });
      mutex.markConsistent();
      mutex.unlock();
      assert.deepEqual(mutex.tryLock(), { state: 'acquired', ownerDied: false }, 'recovered: a later acquire is ordinary');
      mutex.unlock();
    } finally {
      await peer.close();
      mutex.close();
    }
    assert.deepEqual(shm.addedBy(), []);
  });
}
