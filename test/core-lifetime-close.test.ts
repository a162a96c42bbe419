/**
 * close() releases names, fds and locks but never unmaps memory a view can still reach: a view
 * taken before close() keeps working (read and write) in a worker and in another process, and in
 * this thread while someone else still holds the array, even after garbage collection. When this
 * thread was the last holder, its stale view reads zeros instead (the memory was given back at
 * close(); see reliability-close-space). Only the creator may unlink.
 */
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { test } from 'node:test';
import { attach, create, NdshareError } from '../src/index.js';
import { Agent } from './helpers/agent.js';
import { FdSnapshot } from './helpers/fds.js';
import { ShmSnapshot, shmExists } from './helpers/shm.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

for (const backing of ['shm', 'memfd'] as const) {
  test(`${backing}: a stale view after the last holder's close() reads zeros, takes writes, and survives GC`, () => {
    const fds = new FdSnapshot();
    let view: Float64Array;
    {
      const a = create({ dtype: 'float64', shape: [1 << 16], backing, fill: 3 });
      view = a.data;
      a.close();
      assert.equal(a.closed, true);
      assert.throws(() => a.data, NdshareError);
    }
    gc();
    gc();
    let sum = 0;
    for (let i = 0; i < view.length; i++) sum += view[i] ?? 0;
    assert.equal(sum, 0, 'the memory went back at close(): the stale view reads zeros');
    view[view.length - 1] = 5;
    assert.equal(view[view.length - 1], 5);
    assert.deepEqual(fds.leaked(), [], 'the fd was closed even though the memory is still mapped');
  });
}

test('a worker keeps using its view after the main thread closed the array', async () => {
  const a = create({ dtype: 'int32', shape: [4096], backing: 'shm', fill: 11 });
  const agent = await Agent.worker();
  try {
    const id = await agent.attach(a.threadHandle);
    a.close();
    gc();
    assert.equal(await agent.get(id, 4095), '11');
    await agent.put(id, 0, '12');
    assert.equal(await agent.get(id, 0), '12');
  } finally {
    await agent.close();
  }
});

test("an attached child keeps its mapping after the creator closes; the child's unlink is refused", async () => {
  const shm = new ShmSnapshot();
  const a = create({ dtype: 'uint16', shape: [100], backing: 'shm', fill: 9 });
  const view = a.data;
  const name = a.path?.slice('/dev/shm'.length) ?? assert.fail('no path');
  const agent = await Agent.child();
  try {
    const id = await agent.attach(a.handle);
    const refused = await agent.failed({ op: 'unlink', id });
    assert.equal(refused.code, 'ERR_NDSHARE_NOT_OWNER');
    assert.match(refused.message, /^Expected the creating process to unlink/);
    assert.equal(shmExists(name), true, "the attacher's refused unlink removed nothing");
    a.close();
    assert.equal(shmExists(name), false, "the creator's close removed the name");
    assert.equal(await agent.get(id, 99), '9', 'the child still reads the memory');
    await agent.put(id, 0, '1');
    assert.equal(view[0], 1, "the creator's old view still shares the memory with the child");
  } finally {
    await agent.close();
    a.close();
  }
  assert.deepEqual(shm.addedBy(), []);
});

test("the creator's unlink after close (or twice) is a no-op; an attacher's stays refused", () => {
  const a = create({ dtype: 'uint8', shape: [8], backing: 'shm' });
  const b = attach(a.handle);
  a.close();
  assert.equal(shmExists(a.path?.slice(9) ?? ''), false);
  a.unlink();
  a.unlink();
  assert.throws(() => b.unlink(), { code: 'ERR_NDSHARE_NOT_OWNER' });
  b.close();
  assert.throws(() => b.unlink(), { code: 'ERR_NDSHARE_NOT_OWNER' }, 'closing does not make an attacher the owner');
});

test('attach in the same process, close the attacher: the creator is unaffected', () => {
  const a = create({ dtype: 'uint8', shape: [8], backing: 'shm', fill: 1 });
  const b = attach(a.handle);
  b.close();
  a.data[0] = 2;
  assert.equal(a.data[0], 2);
  assert.equal(shmExists(a.path?.slice(9) ?? ''), true);
  a.close();
});
