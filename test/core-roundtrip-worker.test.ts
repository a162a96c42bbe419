/**
 * Every backing x every dtype, across a real worker thread. Shared backings: the worker attaches
 * (the process handle, which maps again, and the thread handle, which reuses this mapping), sees
 * the parent's write, writes back, and the parent sees it. Heap: there is no handle
 * (ERR_NDSHARE_NOT_SHAREABLE) and a posted array is a copy, so the worker's write stays there.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { create, DTYPES, NdshareError, type Backing, type NdArray } from '../src/index.js';
import { Agent } from './helpers/agent.js';
import { FdSnapshot } from './helpers/fds.js';
import { ShmSnapshot } from './helpers/shm.js';
import { get, kSample, put } from './helpers/values.js';

const kShape = [4, 2];
const kLast = 7;

async function roundTrip(backing: Exclude<Backing, 'heap'>, which: 'handle' | 'threadHandle'): Promise<void> {
  const shm = new ShmSnapshot();
  const fds = new FdSnapshot();
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-core-rtw-'));
  const arrays: NdArray[] = DTYPES.map((dtype) => create({ dtype, shape: kShape, backing, ...(backing === 'file' ? { path: join(dir, `${dtype}.npy`) } : {}) }));
  const agent = await Agent.worker();
  try {
    for (const [i, dtype] of DTYPES.entries()) {
      const a = arrays[i] ?? assert.fail('missing array');
      put(a.data, 0, kSample[dtype][0]);
      const id = await agent.attach(which === 'handle' ? a.handle : a.threadHandle);
      assert.equal(await agent.get(id, 0), kSample[dtype][0], `${backing}/${which}/${dtype}: worker sees the parent's write`);
      assert.equal(await agent.get(id, kLast), '0', `${dtype}: untouched element reads zero`);
      await agent.put(id, kLast, kSample[dtype][1]);
      assert.equal(get(a.data, kLast), kSample[dtype][1], `${backing}/${which}/${dtype}: parent sees the worker's write`);
      await agent.ok({ op: 'close', id });
    }
  } finally {
    await agent.close();
    for (const a of arrays) {
      a.unlink();
      a.close();
    }
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(shm.addedBy(), []);
  assert.deepEqual(fds.leaked(), []);
}

for (const backing of ['shm', 'memfd', 'file', 'sab'] as const) {
  test(`${backing}: every dtype round-trips through a worker (process handle)`, () => roundTrip(backing, 'handle'));
  if (backing !== 'sab') test(`${backing}: every dtype round-trips through a worker (thread handle, same mapping)`, () => roundTrip(backing, 'threadHandle'));
}

test('heap: no handle, and a worker receives a copy whose writes never come back', async () => {
  const agent = await Agent.worker();
  try {
    for (const dtype of DTYPES) {
      const a = create({ dtype, shape: kShape, backing: 'heap' });
      put(a.data, 0, kSample[dtype][0]);
      assert.throws(() => a.handle, (e: unknown) => e instanceof NdshareError && e.code === 'ERR_NDSHARE_NOT_SHAREABLE' && /^Expected a shared backing/.test(e.message));
      assert.throws(() => a.threadHandle, (e: unknown) => e instanceof NdshareError && e.code === 'ERR_NDSHARE_NOT_SHAREABLE');
      const r = await agent.ok({ op: 'mutate', data: a.data, index: 0, value: kSample[dtype][1] });
      assert.equal(r.value, kSample[dtype][1], `${dtype}: the worker's copy took the write`);
      assert.equal(get(a.data, 0), kSample[dtype][0], `${dtype}: the parent's heap array is unchanged (copy semantics)`);
      a.close();
    }
  } finally {
    await agent.close();
  }
});
