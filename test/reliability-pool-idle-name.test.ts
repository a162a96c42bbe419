/**
 * SegmentPool, item 3 of "Reliability round 2": an idle pooled shm segment must not be reachable
 * by the name its last array had. A late consumer holding the old handle gets ENOENT after
 * release(), and so does one that opened the old name just before release() renamed it away
 * (the race is forced by hooking attach()'s second fstat, so release() runs between attach's open
 * and its liveness lock). Either way nothing can see or write the next array.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { test } from 'node:test';
import { attach, NdshareError, SegmentPool, type NdArray, type ShmHandle } from '../src/index.js';
import { Agent } from './helpers/agent.js';
import { ShmSnapshot, shmExists } from './helpers/shm.js';

test('a late consumer with the old handle cannot attach a pooled segment, nor see the next array', async () => {
  const shm = new ShmSnapshot();
  const pool = new SegmentPool();
  const agent = await Agent.child();
  try {
    const a = pool.create({ dtype: 'float64', shape: [1024], fill: 1 });
    const old = a.handle as ShmHandle;
    assert.deepEqual(pool.release(a), { state: 'pooled' });
    const idleNames = shm.addedBy();
    const late = await agent.send({ op: 'attach', handle: old });
    const b = pool.create({ dtype: 'float64', shape: [1024], fill: 9 });
    assert.equal(pool.stats.hits, 1, 'the idle segment was reused');
    if (late.state === 'ok') {
      // What the bug looked like: the late consumer reads, and writes, the next array.
      const id = late.ids?.[0] ?? 0;
      const seen = await agent.get(id, 0);
      await agent.put(id, 1, '-1');
      assert.fail(`Expected the old handle to be refused after release() but the late consumer attached; it then read ${seen} from the next array and wrote b[1] = ${b.data[1]}`);
    }
    assert.equal(late.code, 'ENOENT', late.message);
    assert.equal(idleNames.length, 1, 'the idle segment exists, under a name of its own');
    assert.notEqual(`/${idleNames[0]}`, old.name, 'the idle segment no longer answers to the old name');
    assert.equal(shmExists(old.name), false);
    assert.ok(b.data.every((v) => v === 9));
    b.close();
  } finally {
    await agent.close();
    pool.clear();
  }
  assert.deepEqual(shm.addedBy(), []);
});

test('an attach that opened the old name just before release() renamed it fails with ENOENT', () => {
  const shm = new ShmSnapshot();
  const pool = new SegmentPool();
  const a = pool.create({ dtype: 'int32', shape: [2048], fill: 4 });
  const old = a.handle as ShmHandle;
  // attach() looks at the name (lstat), opens it, then fstats, then locks: release() runs at
  // the first fstat, between the open and the lock.
  const realFstat = fs.fstatSync;
  let released: unknown;
  let calls = 0;
  fs.fstatSync = ((...args: Parameters<typeof realFstat>) => {
    if (++calls === 1 && released === undefined) {
      fs.fstatSync = realFstat;
      syncBuiltinESMExports();
      released = pool.release(a);
    }
    return realFstat(...args);
  }) as typeof realFstat;
  syncBuiltinESMExports();
  let racer: NdArray | undefined;
  let error: unknown;
  try {
    racer = attach(old);
  } catch (err) {
    error = err;
  } finally {
    fs.fstatSync = realFstat;
    syncBuiltinESMExports();
  }
  try {
    assert.deepEqual(released, { state: 'pooled' }, 'release() ran inside attach, before its liveness lock');
    if (racer) {
      const b = pool.create({ dtype: 'int32', shape: [2048], fill: 8 });
      const seen = racer.data[0];
      b.close();
      assert.fail(`Expected the racing attach to fail with ENOENT but it mapped the pooled segment and then read ${seen} from the next array`);
    }
    assert.ok(error instanceof NdshareError, String(error));
    assert.equal(error.code, 'ENOENT', error.message);
    const b = pool.create({ dtype: 'int32', shape: [2048], fill: 8 });
    assert.equal(pool.stats.hits, 1);
    assert.ok(b.data.every((v) => v === 8));
    b.close();
  } finally {
    racer?.close();
    pool.clear();
  }
  assert.deepEqual(shm.addedBy(), []);
});
