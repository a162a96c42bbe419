/**
 * Every process-shareable backing x every dtype, across a real child process: the child attaches
 * (by handle, or by inherited fd), sees what the parent wrote, writes back, and the parent sees
 * the child's write in its own view: zero-copy in both directions.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { create, DTYPES, type NdArray } from '../src/index.js';
import { Agent } from './helpers/agent.js';
import { FdSnapshot } from './helpers/fds.js';
import { ShmSnapshot } from './helpers/shm.js';
import { get, kSample, put } from './helpers/values.js';

const kShape = [3, 5];
const kLast = 14;

function makeAll(backing: 'shm' | 'memfd' | 'file', dir: string): NdArray[] {
  return DTYPES.map((dtype) => {
    const a = create({ dtype, shape: kShape, backing, ...(backing === 'file' ? { path: join(dir, `${dtype}.npy`) } : {}) });
    put(a.data, 0, kSample[dtype][0]);
    return a;
  });
}

async function roundTrip(backing: 'shm' | 'memfd' | 'file', via: 'handle' | 'inherit'): Promise<void> {
  const shm = new ShmSnapshot();
  const fds = new FdSnapshot();
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-core-rt-'));
  const arrays = makeAll(backing, dir);
  const agent = await Agent.child(via === 'inherit' ? { arrays } : {});
  try {
    const ids =
      via === 'inherit'
        ? ((await agent.ok({ op: 'inherit' })).ids ?? [])
        : await Promise.all(arrays.map(async (a) => agent.attach(JSON.parse(JSON.stringify(a.handle)))));
    assert.equal(ids.length, DTYPES.length);
    for (const [i, dtype] of DTYPES.entries()) {
      const id = ids[i] ?? assert.fail('missing id');
      const a = arrays[i] ?? assert.fail('missing array');
      const info = (await agent.ok({ op: 'describe', id })).info;
      assert.deepEqual({ dtype: info?.dtype, shape: info?.shape, backing: info?.backing }, { dtype, shape: kShape, backing }, dtype);
      assert.equal(await agent.get(id, 0), kSample[dtype][0], `${backing}/${via}/${dtype}: child sees the parent's write`);
      // Negative control: the last element was never written, so the child must see zero there.
      assert.equal(await agent.get(id, kLast), '0', `${dtype}: untouched element`);
      await agent.put(id, kLast, kSample[dtype][1]);
      assert.equal(get(a.data, kLast), kSample[dtype][1], `${backing}/${via}/${dtype}: parent sees the child's write`);
    }
  } finally {
    await agent.close();
    for (const a of arrays) {
      a.unlink();
      a.close();
    }
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(shm.addedBy(), [], 'no segment left in /dev/shm');
  assert.deepEqual(fds.leaked(), [], 'no fd left open');
}

test('shm: every dtype round-trips through a child attached by handle', () => roundTrip('shm', 'handle'));
test('shm: every dtype round-trips through a child that inherited the fds', () => roundTrip('shm', 'inherit'));
test('memfd: every dtype round-trips through a child attached by handle (/proc/<pid>/fd)', () => roundTrip('memfd', 'handle'));
test('memfd: every dtype round-trips through a child that inherited the fds', () => roundTrip('memfd', 'inherit'));
test('file: every dtype round-trips through a child attached by handle', () => roundTrip('file', 'handle'));
test('file: every dtype round-trips through a child that inherited the fds', () => roundTrip('file', 'inherit'));
