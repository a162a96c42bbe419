/**
 * SegmentPool: a released segment is reused by the next create of the same byte size, under a
 * new name and header, and a segment that someone else still maps is never reused.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { SegmentPool, type ShmHandle } from '../src/index.js';
import { Agent } from './helpers/agent.js';
import { deadline } from './helpers/channel.js';
import { throwsNdshare } from './helpers/errors.js';
import { runPython } from './helpers/python.js';
import { ShmSnapshot, shmExists } from './helpers/shm.js';

test('a released segment comes back for the same byte size with a new name and header', async () => {
  const shm = new ShmSnapshot();
  const pool = new SegmentPool();
  try {
    const a = pool.create({ dtype: 'float64', shape: [1024], fill: 1 });
    const oldName = (a.handle as ShmHandle).name;
    const oldInode = statSync(a.path ?? '').ino;
    assert.deepEqual(pool.release(a), { state: 'pooled' });
    assert.equal(a.closed, true);
    throwsNdshare(() => a.data, 'ERR_NDSHARE_CLOSED');

    // Same 8192 bytes, another dtype and shape: a hit.
    const b = pool.create({ dtype: 'int32', shape: [2, 1024], fill: 7 });
    assert.deepEqual(pool.stats, { hits: 1, misses: 1, idle: 0 });
    const newName = (b.handle as ShmHandle).name;
    assert.notEqual(newName, oldName);
    assert.equal(shmExists(oldName), false, 'the old name must not reach the new data');
    assert.equal(statSync(b.path ?? '').ino, oldInode, 'the same segment (same pages) was reused');
    assert.ok(b.data.every((v) => v === 7));

    // NumPy sees the new header and data through the new path.
    const seen = await runPython<{ dtype: string; shape: number[]; all7: boolean }>(
      "a = np.load(INPUT, mmap_mode='r'); out({'dtype': str(a.dtype), 'shape': list(a.shape), 'all7': bool((a == 7).all())})",
      b.path,
    );
    assert.deepEqual(seen, { dtype: 'int32', shape: [2, 1024], all7: true });

    // Another size is a miss.
    const c = pool.create({ dtype: 'float64', shape: [10] });
    assert.deepEqual(pool.stats, { hits: 1, misses: 2, idle: 0 });
    c.close();
    b.close();
  } finally {
    pool.clear();
  }
  assert.deepEqual(shm.addedBy(), []);
});

test('a reused segment without fill starts zeroed, as create() promises', () => {
  const shm = new ShmSnapshot();
  const pool = new SegmentPool();
  try {
    const a = pool.create({ dtype: 'float64', shape: [256], fill: 5 });
    assert.deepEqual(pool.release(a), { state: 'pooled' });
    const b = pool.create({ dtype: 'int64', shape: [256] });
    assert.deepEqual(pool.stats, { hits: 1, misses: 1, idle: 0 });
    assert.ok(b.data.every((v) => v === 0n), "the last array's data must not show through");
    b.close();
  } finally {
    pool.clear();
  }
  assert.deepEqual(shm.addedBy(), []);
});

test('a segment another process still maps is closed, not pooled', async () => {
  const shm = new ShmSnapshot();
  const pool = new SegmentPool();
  const agent = await Agent.child();
  try {
    const a = pool.create({ dtype: 'float64', shape: [512], fill: 3 });
    const id = await agent.attach(a.handle);
    const result = pool.release(a);
    assert.equal(result.state, 'closed');
    assert.match(result.state === 'closed' ? result.reason : '', /another process or thread still holds it/);
    assert.equal(pool.stats.idle, 0);
    // The child's view is untouched by whatever the pool does next.
    const b = pool.create({ dtype: 'float64', shape: [512], fill: 9 });
    assert.equal(await agent.get(id, 0), '3');
    b.close();
  } finally {
    await agent.close();
    pool.clear();
  }
  assert.deepEqual(shm.addedBy(), []);
});

test('pool.create refuses options the pool decides, and bad sizes', () => {
  const pool = new SegmentPool();
  throwsNdshare(() => pool.create({ dtype: 'float64', shape: [4], backing: 'file' } as never), 'ERR_NDSHARE_INVALID_ARGUMENT');
  throwsNdshare(() => new SegmentPool({ backing: 'heap' as never }), 'ERR_NDSHARE_INVALID_ARGUMENT');
  throwsNdshare(() => new SegmentPool({ maxIdleBytes: -1 }), 'ERR_NDSHARE_INVALID_ARGUMENT');
  const a = pool.create({ dtype: 'uint8', shape: [64] });
  a.close();
  throwsNdshare(() => pool.release(a), 'ERR_NDSHARE_CLOSED');
});

test('a full pool closes instead of keeping more', () => {
  const shm = new ShmSnapshot();
  const pool = new SegmentPool({ maxIdleBytes: 4096 });
  const a = pool.create({ dtype: 'uint8', shape: [8192] });
  const result = pool.release(a);
  assert.deepEqual(result, { state: 'closed', reason: 'the pool is full' });
  pool.clear();
  assert.deepEqual(shm.addedBy(), []);
});

test('a worker terminated while its pool holds idle segments leaves nothing in /dev/shm', async () => {
  const shm = new ShmSnapshot();
  const index = new URL('../src/index.js', import.meta.url).href;
  const worker = new Worker(
    `import { parentPort } from 'node:worker_threads';
     const { SegmentPool } = await import(${JSON.stringify(index)});
     const pool = new SegmentPool();
     const a = pool.create({ dtype: 'float64', shape: [256], fill: 1 });
     pool.release(a);
     const b = pool.create({ dtype: 'float64', shape: [256], fill: 2 });
     pool.release(b);
     parentPort.postMessage(pool.stats);
     setInterval(() => {}, 1000);`,
    { eval: true, type: 'module' } as never,
  );
  try {
    const stats = await deadline(
      new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`Expected the pool worker to post its pool's stats but it exited (code ${code})`)));
      }),
      "the pool worker to post its pool's stats",
    );
    assert.deepEqual(stats, { hits: 1, misses: 1, idle: 1 });
    assert.equal(shm.addedBy().length, 1, 'the idle segment is in /dev/shm while the worker lives');
  } finally {
    await deadline(worker.terminate(), 'the pool worker to terminate');
  }
  assert.deepEqual(shm.addedBy(), []);
});
