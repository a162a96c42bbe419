/**
 * The thread-pool recipe of docs/parallel.md (examples/parallel/piscina-sum.ts): 3,000 tasks over one
 * shared float64 array on a 2-thread piscina pool give the sequential column sums, and attach once
 * per worker: the fds and the mappings of the shared segments stay flat from 1,000 tasks to 3,000
 * (a worker that attached per task would hold one more of each per task until a collection).
 * Destroying the pool and closing the arrays leaves no fd, no mapping and no /dev/shm name behind.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
// The recipe's own entry: its functions take arrays of the package's bundle, as a user's would.
import { create, type NdArray } from 'ndshare';
import { runTasks, startPool } from '../examples/parallel/piscina-sum.js';
import { columnSums } from '../examples/parallel/rows.js';
import { deadline } from './helpers/channel.js';
import { openFds } from './helpers/fds.js';
import { collectUntil } from './helpers/gc.js';
import { ShmSnapshot } from './helpers/shm.js';

const kRows = 1_000_000;
const kCols = 8;
const kTasks = 3000;
const kThreads = 2;

interface Usage {
  /** Every open fd of this process (all threads). */
  fds: number;
  /** fds that point at one of the segments. */
  segmentFds: number;
  /** Lines of /proc/self/maps that map one of the segments. */
  segmentMaps: number;
}

function usage(names: readonly string[]): Usage {
  const targets = [...openFds().values()];
  const maps = readFileSync('/proc/self/maps', 'utf8').split('\n');
  const ofSegments = (line: string): boolean => names.some((n) => line.includes(n));
  return { fds: targets.length, segmentFds: targets.filter(ofSegments).length, segmentMaps: maps.filter(ofSegments).length };
}

function sequentialSums(input: NdArray<'float64'>): number[] {
  const sums = new Array<number>(kCols).fill(0);
  input.data.forEach((v, i) => (sums[i % kCols] = (sums[i % kCols] ?? 0) + v));
  return sums;
}

/** Runs the recipe in three steps and returns the segment names and the usage after each. */
async function runRecipe(): Promise<{ names: string[]; steps: Record<'before' | 'after1000' | 'after3000', Usage> }> {
  const input = create({ dtype: 'float64', shape: [kRows, kCols] });
  const partials = create({ dtype: 'float64', shape: [kTasks, kCols] });
  const names = [input, partials].map((a) => (a.handle.backing === 'shm' ? a.handle.name.slice(1) : assert.fail('expected shm arrays')));
  const pool = startPool(kThreads);
  try {
    input.data.forEach((_, i, data) => (data[i] = i % 1000));
    const before = usage(names);
    await deadline(runTasks(pool, input, partials, 0, 1000), 'the first 1,000 tasks');
    const after1000 = usage(names);
    await deadline(runTasks(pool, input, partials, 1000, kTasks - 1000), 'the other 2,000 tasks');
    const after3000 = usage(names);
    assert.deepEqual(columnSums(partials), sequentialSums(input), 'the pool computes the sequential column sums');
    return { names, steps: { before, after1000, after3000 } };
  } finally {
    await deadline(pool.destroy(), 'the pool to end its workers');
    input.close();
    partials.close();
  }
}

test('piscina recipe: 3,000 tasks over one shared array keep fds and mappings flat and leave nothing behind', async () => {
  const shm = new ShmSnapshot();
  const { names, steps } = await runRecipe();
  const { before, after1000, after3000 } = steps;
  const report = JSON.stringify(steps);
  // Each worker attaches each segment once: beside the creator's own fd and mapping of each
  // segment, at most one more of each per worker.
  const most = (kThreads + 1) * names.length;
  assert.ok(after1000.segmentFds <= most, `Expected at most ${most} fds of the segments after 1,000 tasks: ${report}`);
  assert.ok(after1000.segmentMaps <= most, `Expected at most ${most} mappings of the segments after 1,000 tasks: ${report}`);
  assert.equal(after3000.segmentFds, after1000.segmentFds, `Expected no new fd of the segments from 1,000 to 3,000 tasks: ${report}`);
  assert.equal(after3000.segmentMaps, after1000.segmentMaps, `Expected no new mapping of the segments from 1,000 to 3,000 tasks: ${report}`);
  // All fds: the workers' own (event loop, attaches) come once; a small constant, not per task.
  assert.ok(after1000.fds - before.fds <= 16, `Expected a small constant of new fds after 1,000 tasks: ${report}`);
  assert.ok(after3000.fds - after1000.fds <= 2, `Expected the fd count flat from 1,000 to 3,000 tasks: ${report}`);

  // The creator's mapping goes when its buffers are collected; the workers' went with them.
  const gone = await collectUntil(() => {
    const u = usage(names);
    return u.segmentFds === 0 && u.segmentMaps === 0;
  });
  assert.ok(gone, `Expected no fd or mapping of the segments once the pool was destroyed and the arrays closed: ${JSON.stringify(usage(names))}`);
  assert.deepEqual(shm.addedBy(), [], '/dev/shm as found');
});
