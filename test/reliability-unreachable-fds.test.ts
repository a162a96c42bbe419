/**
 * An attached array that becomes unreachable without close() gives its fd back: a worker-pool
 * loop that attaches per task (3,000 tasks, never closing) used to end with 3,000 more open fds
 * (then EMFILE); now the fd count stays flat under periodic garbage collection. The memory stays
 * usable through a view that outlives its NdArray (the mapping keeps it, and the liveness lock).
 * `using` closes at the end of the block. Arrays from create() are not finalized: their handle
 * may be in flight (a memfd handle even names the fd), so they keep fd and name until close() or
 * exit. Real child process, /proc/self/fd counted there.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FixtureChild } from './helpers/child.js';
import { shmExists } from './helpers/shm.js';
import type { UnreachableReply, UnreachableRequest } from './fixtures/reliability-unreachable-fds.js';

const kTasks = 3000;
const kGcEvery = 100;

async function withChild<T>(body: (child: FixtureChild<UnreachableReply>) => Promise<T>): Promise<T> {
  const child = new FixtureChild<UnreachableReply>('reliability-unreachable-fds');
  try {
    return await body(child);
  } finally {
    await child.close();
  }
}

async function ask<R extends UnreachableReply>(child: FixtureChild<UnreachableReply>, m: UnreachableRequest): Promise<Extract<R, { ok: true }>> {
  const r = await child.request(m);
  if (!r.ok) assert.fail(`the child failed: ${r.message}`);
  return r as Extract<R, { ok: true }>;
}

for (const backing of ['shm', 'memfd', 'file'] as const) {
  test(`${kTasks} ${backing === 'file' ? 'open()' : 'attach()'}es of '${backing}' without close() keep the fd count flat under gc`, async (t) => {
    await withChild(async (child) => {
      const r = await ask<Extract<UnreachableReply, { max: number }>>(child, { op: 'loop', backing, count: kTasks, gcEvery: kGcEvery });
      t.diagnostic(`fds: baseline ${r.baseline}, max ${r.max}, final ${r.final}, after each gc: ${r.samples.slice(0, 5).join(', ')} ... ${r.samples.slice(-3).join(', ')}`);
      // Between two collections at most kGcEvery arrays are waiting; a leak would reach kTasks.
      assert.ok(r.max <= r.baseline + 2 * kGcEvery, `at most ${2 * kGcEvery} fds above the baseline ${r.baseline} at any time; saw ${r.max}`);
      assert.equal(r.final, r.baseline, 'back to the baseline once everything is collected');
    });
  });
}

test('a view that outlives its NdArray keeps working after the fd was given back', async () => {
  await withChild(async (child) => {
    const r = await ask<Extract<UnreachableReply, { seenByCreator: number }>>(child, { op: 'view' });
    assert.equal(r.final, r.baseline, 'the unreachable NdArray closed its fd');
    assert.equal(r.value, 5, 'the view still reads the shared memory');
    assert.equal(r.seenByCreator, 42, 'and its writes still reach the creator');
  });
});

test('using closes the array at the end of the block (a creator: fd and name)', async () => {
  await withChild(async (child) => {
    const r = await ask<Extract<UnreachableReply, { fdsInside: number }>>(child, { op: 'using' });
    assert.equal(r.fdsInside, r.baseline + 1, 'the attach holds one fd inside the block');
    assert.equal(r.closed, true, 'closed at the end of the block');
    assert.equal(r.fdsAfter, r.baseline, 'and its fd with it, without any collection');
    assert.equal(r.nameAfter, false, "a creator's `using` removes its name, as close() does");
  });
});

test('unreachable creator arrays keep their fds and names until exit (their handles may be in flight)', async () => {
  let names: string[] = [];
  await withChild(async (child) => {
    const r = await ask<Extract<UnreachableReply, { names: string[] }>>(child, { op: 'creators', count: 20 });
    names = r.names;
    assert.equal(r.final, r.baseline + 20, 'every creator fd is still open');
    for (const n of names) assert.ok(shmExists(n), `${n} still attachable`);
  });
  for (const n of names) assert.ok(!shmExists(n), `${n} unlinked at exit`);
});
