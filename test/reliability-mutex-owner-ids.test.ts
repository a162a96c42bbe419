/**
 * Mutex owner ids come from a counter word of the sync segment, one per attach, and wrap. The test
 * moves the counter (through a raw int32 attach of the same segment) so that the next id is one a
 * live attachment still has, or the id of a holder that died holding the lock: in both cases the
 * new attachment must get another id, so it waits for the live holder (timeout, not a relock) and
 * recovers the dead holder's lock (ownerDied, not a relock). Also the int32 counter's own wrap.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attach, Mutex } from '../src/index.js';
import { kMutexOwnerCounterWord, kMutexOwnerIds, kMutexOwnerMask, kMutexStateWord } from '../src/sync/layout.js';
import { SyncPeer } from './helpers/sync-peer.js';
import { ShmSnapshot } from './helpers/shm.js';

/** The counter value after which Atomics.add hands out `id` (ids are (old >>> 0) % kMutexOwnerIds + 1). */
const counterFor = (id: number): number => id - 1;

test('owner ids skip ids of live attachments and of a dead holder, across the counter wrap', async (t) => {
  const shm = new ShmSnapshot();
  const mutex = Mutex.create();
  const raw = attach((mutex.handle as { segment: unknown }).segment, { dtype: 'int32' });
  const words = raw.data;
  const peers = await SyncPeer.group(['process', 'process', 'process']);
  const [live, dead, late] = peers as [SyncPeer, SyncPeer, SyncPeer];
  try {
    // The creator took id 1. Wrap the counter so that the next attach would get id 1 again, while
    // the creator is attached but not holding (so the id is in no state word, only in use).
    const creatorId = 1;
    Atomics.store(words, kMutexOwnerCounterWord, counterFor(creatorId) + kMutexOwnerIds);
    await live.ok({ op: 'attach', mutex: mutex.handle });
    assert.equal(mutex.tryLock().state, 'acquired');
    assert.equal(Atomics.load(words, kMutexStateWord) & kMutexOwnerMask, creatorId, 'the creator holds with owner id 1');
    const liveOutcome = await live.request({ op: 'lock', timeoutMs: 100 });
    t.diagnostic(`attach after the wrap onto the holder's id, then lockSync(100 ms): ${JSON.stringify(liveOutcome)}`);
    assert.deepEqual(liveOutcome, { state: 'ok', value: { state: 'timeout', timeoutMs: 100 } }, 'a live id is never handed out twice: the peer waits for the holder');
    mutex.unlock();
    assert.deepEqual(await live.ok({ op: 'lock', timeoutMs: 5000 }), { state: 'acquired', ownerDied: false });
    assert.equal(await live.ok({ op: 'unlock' }), 'unlocked');

    // A holder dies holding the lock; the counter comes round to its id before anyone recovers it.
    // The int32 counter itself wraps here too (from -1, i.e. 2^32 - 1 unsigned).
    Atomics.store(words, kMutexOwnerCounterWord, -1);
    await dead.ok({ op: 'attach', mutex: mutex.handle });
    assert.deepEqual(await dead.ok({ op: 'lock', timeoutMs: 5000 }), { state: 'acquired', ownerDied: false });
    const deadId = Atomics.load(words, kMutexStateWord) & kMutexOwnerMask;
    assert.equal(deadId, ((2 ** 32 - 1) % kMutexOwnerIds) + 1, 'the id after the int32 wrap');
    await dead.kill();
    Atomics.store(words, kMutexOwnerCounterWord, counterFor(deadId));
    await late.ok({ op: 'attach', mutex: mutex.handle });
    const lateOutcome = await late.request({ op: 'lock', timeoutMs: 5000 });
    t.diagnostic(`attach onto a dead holder's id, then lockSync: ${JSON.stringify(lateOutcome)}`);
    assert.deepEqual(lateOutcome, { state: 'ok', value: { state: 'acquired', ownerDied: true } }, "the dead holder's id is skipped, so its lock is recovered");
    assert.equal(await late.ok({ op: 'mark' }), 'marked');
    assert.equal(await late.ok({ op: 'unlock' }), 'unlocked');
  } finally {
    await Promise.all(peers.map((p) => p.close()));
    raw.close();
    mutex.close();
  }
  assert.deepEqual(shm.addedBy(), []);
});
