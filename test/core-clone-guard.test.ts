/**
 * Posting an NdArray itself (not its handle) fails at the call site with
 * ERR_NDSHARE_NOT_SHAREABLE naming threadHandle and handle, instead of arriving as {} and failing
 * later with "Cannot read properties of undefined": postMessage and workerData to a real worker,
 * send() to a real child (json and advanced serialization), a piscina pool's run(), JSON. The
 * channel stays usable and the handle, posted instead, works. Inspecting, Object.keys() and
 * String() still work. The same table holds on every Node binary found (this one, and Node 22, 24,
 * 26 from scripts/node-dist.sh's cache when present).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { create, NdshareError } from '../src/index.js';
import { Agent } from './helpers/agent.js';
import { fixturePath } from './helpers/child.js';
import { FixtureWorker } from './helpers/worker.js';
import { runSync } from './helpers/process.js';
import { ShmSnapshot } from './helpers/shm.js';

function isGuard(err: unknown): true {
  assert.ok(err instanceof NdshareError, String(err));
  assert.equal(err.code, 'ERR_NDSHARE_NOT_SHAREABLE');
  assert.match(err.message, /^Expected array\.threadHandle \(for worker threads of this process\) or array\.handle \(for any process\) .* but received (an NdArray|a rows\(\) view), which cannot be cloned/);
  return true;
}

test('a real worker: postMessage(array) and workerData throw at the call; the thread handle works', async () => {
  const array = create({ dtype: 'int32', shape: [3, 2], backing: 'sab' });
  assert.throws(() => new FixtureWorker('core-agent-worker', { array }), isGuard);
  const agent = await Agent.worker();
  try {
    await assert.rejects(agent.ok({ op: 'attach', handle: array as never }), isGuard);
    await assert.rejects(agent.ok({ op: 'attach', handle: array.rows(1) as never }), isGuard);
    // The channel is intact, and what the message says to post works.
    const id = await agent.attach(array.threadHandle);
    await agent.put(id, array.offset(2, 1), '77');
    assert.equal(array.data[5], 77);
  } finally {
    await agent.close();
    array.close();
  }
});

for (const serialization of ['json', 'advanced'] as const) {
  test(`a real child (${serialization} serialization): send(array) throws at the call; the handle works`, async () => {
    const shm = new ShmSnapshot();
    const array = create({ dtype: 'float64', shape: [4] });
    const agent = await Agent.child({ serialization });
    try {
      await assert.rejects(agent.ok({ op: 'attach', handle: array as never }), isGuard);
      const id = await agent.attach(array.handle);
      await agent.put(id, 3, '2.5');
      assert.equal(array.data[3], 2.5);
    } finally {
      await agent.close();
      array.close();
    }
    assert.deepEqual(shm.addedBy(), []);
  });
}

test('a piscina pool: run(array) rejects with the hint; run(array.threadHandle) works', async () => {
  const array = create({ dtype: 'float64', shape: [5], backing: 'sab', fill: 2 });
  const pool = new Piscina({ filename: fileURLToPath(new URL('./fixtures/core-clone-guard-task.js', import.meta.url)), maxThreads: 1 });
  try {
    await assert.rejects(pool.run(array), isGuard);
    await assert.rejects(pool.run({ array }), isGuard);
    assert.equal(await pool.run(array.threadHandle), 10);
  } finally {
    await pool.destroy();
    array.close();
  }
});

/** Node binaries to check: this one, and the cached distributions of other majors (scripts/node-dist.sh). */
function nodeBinaries(): string[] {
  const cache = process.env['NDSHARE_NODE_CACHE'] ?? join(homedir(), '.cache', 'ndshare-node');
  const others = ['22', '24', '26'].map((m) => join(cache, `${process.arch}-${m}`, 'package', 'bin', 'node')).filter((p) => existsSync(p));
  return [process.execPath, ...others];
}

const kExpected: Record<string, string> = {
  'postMessage(array)': 'threw ERR_NDSHARE_NOT_SHAREABLE',
  'postMessage({ nested: [array] })': 'threw ERR_NDSHARE_NOT_SHAREABLE',
  'postMessage(view)': 'threw ERR_NDSHARE_NOT_SHAREABLE',
  'postMessage(array.threadHandle)': 'ok',
  'new Worker({ workerData: array })': 'threw ERR_NDSHARE_NOT_SHAREABLE',
  'structuredClone(array)': 'threw ERR_NDSHARE_NOT_SHAREABLE',
  'v8.serialize(array)': 'threw ERR_NDSHARE_NOT_SHAREABLE',
  'JSON.stringify({ array })': 'threw ERR_NDSHARE_NOT_SHAREABLE',
  'JSON.stringify(view)': 'threw ERR_NDSHARE_NOT_SHAREABLE',
  '{ ...array }': 'threw ERR_NDSHARE_NOT_SHAREABLE',
  'isDeepStrictEqual(array, array)': 'ok true',
  'Object.keys(array)': 'ok ndshareNotCloneable',
  'String(array)': 'ok NdArray<float64>[4, 2] sab',
  'inspect(array)': 'ok NdArray<float64>(shape=[4, 2], backing=sab)',
  'inspect(array, { customInspect: false })': 'ok getter shown',
  'inspect(view)': 'ok NdView<float64>(shape=[2, 2], rows=1:3 of [4, 2], backing=sab)',
  'inspect(closed array)': 'ok NdArray<float64>(shape=[4, 2], backing=sab, closed)',
  'inspect(view of closed array)': 'ok NdView<float64>(shape=[2, 2], rows=1:3 of [4, 2], backing=sab, closed)',
  'postMessage(closed array)': 'threw ERR_NDSHARE_NOT_SHAREABLE',
};

test('the same outcomes on every Node binary found', (t) => {
  const binaries = nodeBinaries();
  t.diagnostic(`Node binaries: ${binaries.join(', ')}`);
  for (const node of binaries) {
    const r = runSync(`${node} on the clone-guard fixture`, node, [fixturePath('core-clone-guard')]);
    assert.equal(r.status, 0, `${node}: ${r.stderr}`);
    const { node: version, results } = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { node: string; results: Record<string, string> };
    assert.deepEqual(results, kExpected, `Node ${version}`);
  }
});
