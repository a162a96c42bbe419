/**
 * SegmentPool, item 7 of "Reliability round 2": a pooled segment whose name someone removed
 * (`ndshare rm --force`, or `removeSegment(name, { force: true })`) is still memory, but it can no
 * longer be given a name. `pool.create()` must then make a fresh segment instead of failing with
 * ENOENT, and `release()` of an array whose name is already gone closes it instead of pooling it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NdshareError, removeSegment, SegmentPool, type NdArray, type ShmHandle } from '../src/index.js';
import { ShmSnapshot, shmExists } from './helpers/shm.js';

function createOrError(pool: SegmentPool): NdArray | NdshareError {
  try {
    return pool.create({ dtype: 'float64', shape: [2048], fill: 6 });
  } catch (err) {
    if (err instanceof NdshareError) return err;
    throw err;
  }
}

test("an idle segment whose name was removed: pool.create() makes a fresh segment instead of throwing ENOENT", () => {
  const shm = new ShmSnapshot();
  const pool = new SegmentPool();
  try {
    const a = pool.create({ dtype: 'float64', shape: [2048], fill: 1 });
    assert.deepEqual(pool.release(a), { state: 'pooled' });
    const idle = shm.addedBy();
    assert.equal(idle.length, 1, 'one idle segment, under some name');
    const removed = removeSegment(`/${idle[0]}`, { force: true });
    assert.equal(removed.state, 'removed');
    assert.equal(removed.wasLive, true, 'the pool holds the idle segment live');

    const b = createOrError(pool);
    if (b instanceof NdshareError) assert.fail(`Expected pool.create() to make a fresh segment but it threw ${b.code}: ${b.message}`);
    assert.deepEqual(pool.stats, { hits: 0, misses: 2, idle: 0 }, 'the nameless segment was dropped, a fresh one made');
    assert.ok(shmExists((b.handle as ShmHandle).name), 'the new array has a name');
    assert.ok(b.data.every((v) => v === 6));
    b.close();
  } finally {
    pool.clear();
  }
  assert.deepEqual(shm.addedBy(), []);
});

test('an array whose name was removed before release() is closed, not pooled', () => {
  const shm = new ShmSnapshot();
  const pool = new SegmentPool();
  try {
    const a = pool.create({ dtype: 'float64', shape: [2048], fill: 1 });
    removeSegment((a.handle as ShmHandle).name, { force: true });
    const result = pool.release(a);
    const b = createOrError(pool);
    if (b instanceof NdshareError) assert.fail(`Expected release() to close the nameless array (it returned ${JSON.stringify(result)}) and pool.create() to succeed, but it threw ${b.code}: ${b.message}`);
    assert.equal(result.state, 'closed');
    assert.match(result.state === 'closed' ? result.reason : '', /its name was removed/);
    assert.ok(b.data.every((v) => v === 6));
    b.close();
  } finally {
    pool.clear();
  }
  assert.deepEqual(shm.addedBy(), []);
});
