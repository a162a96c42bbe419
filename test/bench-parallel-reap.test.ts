/**
 * `ndshare bench --parallel` ends every worker it started: after a run, this process has the fds
 * and OS threads it had before (piscina's threads are gone), no child process of the run is alive,
 * not even as a zombie, and /dev/shm is as it was. And a child that dies in the middle of a task
 * fails that task and every later one, and closing the pool still reaps the others.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { ProcessPool } from '../src/bench/parallel/processes.js';
import { create } from '../src/core/create.js';
import { BenchSandbox } from './helpers/bench.js';
import { deadline } from './helpers/channel.js';
import { FdSnapshot } from './helpers/fds.js';
import { alive } from './helpers/process.js';
import { ShmSnapshot } from './helpers/shm.js';

const osThreads = (): number => readdirSync('/proc/self/task').length;

test('bench --parallel: after the run, no fd, thread, child or segment of it is left', async () => {
  const fds = new FdSnapshot();
  const box = new BenchSandbox();
  const threadsBefore = osThreads();
  const { code, report } = await box.bench(['--parallel', '--size', '1e4', '--workers', '2', '--repeats', '1', '--kinds', 'thread,process']);
  const threadsAfter = osThreads();
  const left = box.leftovers();
  assert.equal(code, 0, JSON.stringify(report.parallel?.[0]?.results.filter((r) => r.outcome.state !== 'ok')));
  assert.deepEqual(left, { segments: [], files: [], processes: [] }, 'no child of the run alive, no segment, no file');
  assert.equal(threadsAfter, threadsBefore, 'the pool threads have ended');
  assert.deepEqual(fds.leaked(), [], 'no fd of a segment left open');
});

test('process pool: a child killed mid-task fails its task and later runs; close() reaps every child', async () => {
  const shm = new ShmSnapshot();
  const x = create({ dtype: 'float64', shape: [4_000_000] });
  const pool = new ProcessPool(2);
  const pids = pool.pids;
  try {
    x.data.fill(1);
    const ok = await deadline(pool.run({ op: 'sum', x: x.handle, cols: 1, start: 0, end: 4_000_000 }), 'a sum task');
    assert.equal(ok.value, 4_000_000);
    // Both children busy with long tasks, then one is killed: its task must fail, not hang.
    const long = { op: 'stencil', x: x.handle, out: x.handle, rows: 2000, cols: 2000, alpha: 0, start: 0, end: 2000 } as const;
    const runs = [pool.run(long), pool.run(long)].map((p) => p.then(() => 'ok', (e: Error) => e.message));
    process.kill(pids[0] ?? -1, 'SIGKILL');
    const outcomes = await deadline(Promise.all(runs), 'the two tasks to settle');
    assert.ok(outcomes.some((o) => /Expected the bench child \d+ to run its tasks but it exited with SIGKILL/.test(o)), outcomes.join(' | '));
    await assert.rejects(pool.run({ op: 'noop' }), /exited with SIGKILL/, 'a broken pool refuses further tasks');
  } finally {
    await deadline(pool.close(), 'the pool to close');
    x.close();
  }
  for (const pid of pids) assert.ok(!alive(pid), `child ${pid} was reaped`);
  assert.deepEqual(shm.addedBy(), [], '/dev/shm as found');
});
