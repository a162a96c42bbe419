/**
 * SegmentPool, item 5 of "Reliability round 2": an fd handed to a child by spawnWithArrays shares
 * the parent's open file description, so no lock test in the parent can see the child. A NumPy
 * child that maps `/proc/self/fd/3` (the documented way) must keep its memory: release() closes
 * an array whose fd was handed out instead of pooling it, for both pool backings.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { SegmentPool, spawnWithArrays } from '../src/index.js';
import { deadline } from './helpers/channel.js';

// Maps the inherited fd the way docs/api.md shows, reports, then waits for one line and reports
// what it sees (and writes a[1]) before exiting.
const kChild = `
import json, sys
import numpy as np
a = np.load('/proc/self/fd/3', mmap_mode='r+')
print(json.dumps({'ready': float(a[0])}), flush=True)
sys.stdin.readline()
seen = float(a[0])
a[1] = -1
a.flush()
print(json.dumps({'seen': seen}), flush=True)
`;

/** The child's JSON lines, in order, each with a deadline. */
function lines(child: ChildProcess): () => Promise<Record<string, number>> {
  const queue: string[] = [];
  const waiters: Array<(line: string | undefined) => void> = [];
  let ended = false;
  const rl = createInterface({ input: child.stdout ?? assert.fail('no stdout') });
  rl.on('line', (l) => (waiters.length ? waiters.shift()?.(l) : queue.push(l)));
  rl.on('close', () => {
    ended = true;
    for (const w of waiters.splice(0)) w(undefined);
  });
  return async () => {
    const line = queue.length ? queue.shift() : ended ? undefined : await deadline(new Promise<string | undefined>((r) => waiters.push(r)), 'a JSON line from the NumPy child', 60_000, () => child.kill('SIGKILL'));
    if (line === undefined) assert.fail('the NumPy child ended without the expected line');
    return JSON.parse(line) as Record<string, number>;
  };
}

for (const backing of ['memfd', 'shm'] as const) {
  test(`${backing}: an array whose fd a NumPy child inherited is closed by release(), never pooled`, async () => {
    const pool = new SegmentPool({ backing });
    const a = pool.create({ dtype: 'float64', shape: [4096], fill: 3 });
    const child = spawnWithArrays('python3', ['-c', kChild], [a], { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const next = lines(child);
    try {
      assert.deepEqual(await next(), { ready: 3 });
      const result = pool.release(a);
      const b = pool.create({ dtype: 'float64', shape: [4096], fill: 9 });
      child.stdin?.end('go\n');
      const { seen } = await next();
      assert.equal(await deadline(exited, 'the NumPy child to exit'), 0);
      assert.equal(
        result.state,
        'closed',
        `Expected release() to close an array whose fd a child inherited but it was pooled: the child then read ${seen} from the next array and its write made b[1] = ${b.data[1]}`,
      );
      assert.match(result.state === 'closed' ? result.reason : '', /handed to a child process/);
      assert.equal(seen, 3, "the child's memory still holds its own array");
      assert.equal(b.data[1], 9, "the child's write did not reach the next array");
      b.close();
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await deadline(exited, 'the NumPy child to be gone');
      pool.clear();
    }
  });
}
