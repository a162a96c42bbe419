/**
 * core/thread.ts tells the main thread from a worker without node:worker_threads (by the addon's
 * gettid against the process id): its answer is worker_threads.isMainThread's, on the main thread,
 * in a worker, and in a worker's worker.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker, isMainThread as reference } from 'node:worker_threads';
import { isMainThread } from '../src/core/thread.js';
import { deadline, kDefaultWatchdogMs } from './helpers/channel.js';

const kThread = new URL('../src/core/thread.js', import.meta.url).href;

/** A worker (at `depth` 1) or a worker's worker (2) that reports [ours, worker_threads']. */
const kProbe = `
const { Worker, isMainThread: reference, parentPort, workerData } = await import('node:worker_threads');
const { isMainThread } = await import(workerData.thread);
if (workerData.depth > 1) {
  const inner = new Worker(new URL(import.meta.url), { workerData: { ...workerData, depth: workerData.depth - 1 } });
  inner.once('message', (m) => parentPort.postMessage(m));
  inner.once('error', (e) => parentPort.postMessage({ error: String(e) }));
} else {
  parentPort.postMessage({ ours: isMainThread(), reference });
}
`;

async function probe(depth: number): Promise<{ ours: boolean; reference: boolean }> {
  const url = new URL(`data:text/javascript,${encodeURIComponent(kProbe)}`);
  const w = new Worker(url, { workerData: { thread: kThread, depth } });
  try {
    const got = await deadline(
      new Promise<{ ours: boolean; reference: boolean; error?: string }>((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      }),
      `a worker at depth ${depth} to report`,
      kDefaultWatchdogMs,
    );
    assert.equal(got.error, undefined, got.error);
    return got;
  } finally {
    await w.terminate();
  }
}

test('on the main thread it answers true, as worker_threads does', () => {
  assert.equal(reference, true);
  assert.equal(isMainThread(), true);
});

test('in a worker it answers false, as worker_threads does', async () => {
  assert.deepEqual(await probe(1), { ours: false, reference: false });
});

test("in a worker's worker it answers false, as worker_threads does", async () => {
  assert.deepEqual(await probe(2), { ours: false, reference: false });
});
