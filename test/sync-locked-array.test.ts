/**
 * LockedArray, the ctypes-Array analog: element accessors and bulk operations take the shared
 * lock, across processes, a worker and this main thread at once, and no update is lost.
 * Also: the 'sab' backing (threads only) gets a memfd mutex that workers attach; bad indexes get
 * typed errors; an accessor that inherits a dead holder's lock refuses to hand on half-written data.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LockedArray, NdshareError } from '../src/index.js';
import { SyncPeer } from './helpers/sync-peer.js';
import { ShmSnapshot } from './helpers/shm.js';

const kUpdates = 20_000;
const kBulk = 100;

test('element updates from 2 processes and a worker plus bulk updates from the main thread lose nothing', async () => {
  const shm = new ShmSnapshot();
  const la = LockedArray.create({ dtype: 'float64', shape: [2, 3] });
  const peers = await SyncPeer.group(['process', 'process', 'worker']);
  try {
    const handle = JSON.parse(JSON.stringify(la.handle)) as unknown;
    const updates = Promise.all(peers.map((p) => p.ok({ op: 'locked-update', handle, index: [1, 2], n: kUpdates })));
    for (let i = 0; i < kBulk; i++) {
      await la.withLock((data) => {
        for (let j = 0; j < data.length; j++) data[j] = (data[j] ?? 0) + 1;
      });
    }
    await updates;
    assert.equal(la.get([1, 2]), peers.length * kUpdates + kBulk);
    assert.equal(la.get(5), peers.length * kUpdates + kBulk, 'flat index 5 is [1, 2]');
    assert.deepEqual([...la.getSlice(0, 5)], [kBulk, kBulk, kBulk, kBulk, kBulk]);
    la.setSlice(1, [7, 8]);
    la.set([0, 0], 3);
    assert.deepEqual([...la.array.data.slice(0, 3)], [3, 7, 8]);
  } finally {
    await Promise.all(peers.map((p) => p.close()));
    la.close();
  }
  assert.deepEqual(shm.addedBy(), []);
});

test("'sab' backing: a worker attaches the array's thread handle and the memfd mutex", async () => {
  const la = LockedArray.create({ dtype: 'float64', shape: [4], backing: 'sab' });
  const worker = await SyncPeer.worker();
  try {
    const reply = (await worker.ok({ op: 'locked-update', handle: la.handle, index: [3], n: 1000 })) as { value: number };
    assert.equal(reply.value, 1000);
    assert.equal(la.get(3), 1000);
  } finally {
    await worker.close();
    la.close();
  }
});

test('bad indexes and ranges get ERR_NDSHARE_INVALID_ARGUMENT', () => {
  const la = LockedArray.create({ dtype: 'int32', shape: [2, 3] });
  const invalidArg = (e: unknown): boolean => e instanceof NdshareError && e.code === 'ERR_NDSHARE_INVALID_ARGUMENT';
  try {
    assert.throws(() => la.get(6), invalidArg);
    assert.throws(() => la.get(-1), invalidArg);
    assert.throws(() => la.get([1]), invalidArg);
    assert.throws(() => la.get([2, 0]), invalidArg);
    assert.throws(() => la.get('1' as unknown as number), invalidArg);
    assert.throws(() => la.getSlice(4, 2), invalidArg);
    assert.throws(() => la.setSlice(5, [1, 2]), invalidArg);
    assert.equal(la.mutex.held, false, 'no failed call left the lock held');
  } finally {
    la.close();
  }
});

test('an accessor that inherits a dead holder’s lock throws ERR_NDSHARE_LOCK_NOT_RECOVERABLE', async () => {
  const la = LockedArray.create({ dtype: 'float64', shape: [8] });
  const holder = await SyncPeer.process();
  try {
    await holder.ok({ op: 'attach', mutex: la.mutex.handle });
    holder.post({ op: 'hold', array: la.array.handle, marker: 42 });
    const deadline = performance.now() + 30_000;
    while (la.array.data[0] !== 42) {
      if (performance.now() > deadline) assert.fail('watchdog: the holder never took the lock');
      await new Promise((resolve) => setImmediate(resolve));
    }
    await holder.kill();
    assert.throws(() => la.get(0), (e: unknown) => e instanceof NdshareError && e.code === 'ERR_NDSHARE_LOCK_NOT_RECOVERABLE');
    assert.throws(() => la.set(0, 1), (e: unknown) => e instanceof NdshareError && e.code === 'ERR_NDSHARE_LOCK_NOT_RECOVERABLE');
  } finally {
    await holder.close();
    la.close();
  }
});
