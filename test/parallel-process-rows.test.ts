/**
 * The child-process recipe of docs/parallel.md (examples/parallel/process-sum.ts): 2 children that
 * inherit both arrays and take row ranges over IPC give the sequential column sums, every child
 * has exited and been reaped when the recipe resolves, and nothing is left open or in /dev/shm.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
// The recipe's own entry: its functions take arrays of the package's bundle, as a user's would.
import { create } from 'ndshare';
import { runChildren } from '../examples/parallel/process-sum.js';
import { columnSums } from '../examples/parallel/rows.js';
import { deadline } from './helpers/channel.js';
import { FdSnapshot } from './helpers/fds.js';
import { alive } from './helpers/process.js';
import { ShmSnapshot } from './helpers/shm.js';

const kRows = 200_000;
const kCols = 8;
const kTasks = 100;
const kChildren = 2;

/** Kills this process's children: on a timeout, the recipe's children are out of the test's reach. */
function killOurChildren(): void {
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid; the name in field 2 is parenthesised.
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
      if (ppid === process.pid) process.kill(Number(entry), 'SIGKILL');
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
}

test('process recipe: 2 children sum row ranges into their slots and are reaped', async () => {
  const shm = new ShmSnapshot();
  const fds = new FdSnapshot();
  const input = create({ dtype: 'float64', shape: [kRows, kCols] });
  const partials = create({ dtype: 'float64', shape: [kTasks, kCols] });
  try {
    input.data.forEach((_, i, data) => (data[i] = i % 1000));
    const expected = new Array<number>(kCols).fill(0);
    input.data.forEach((v, i) => (expected[i % kCols] = (expected[i % kCols] ?? 0) + v));

    const children = await deadline(runChildren(input, partials, kChildren), `${kChildren} children to run ${kTasks} tasks and exit`, undefined, killOurChildren);

    assert.deepEqual(columnSums(partials), expected, 'the children compute the sequential column sums');
    assert.equal(children.length, kChildren);
    for (const child of children) {
      assert.deepEqual([child.exitCode, child.signalCode], [0, null], `child ${child.pid} exited normally`);
      assert.ok(child.pid !== undefined && !alive(child.pid), `child ${child.pid} was reaped`);
    }
  } finally {
    input.close();
    partials.close();
  }
  assert.deepEqual(fds.leaked(), [], 'no fd left open');
  assert.deepEqual(shm.addedBy(), [], '/dev/shm as found');
});
