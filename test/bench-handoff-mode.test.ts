/**
 * `ndshare bench --handoff` at small sizes: for each size, every zero-copy backing is handed to an
 * already running child process (IPC) and worker thread (MessagePort), and Python's SharedMemory
 * name to a running process over a multiprocessing Pipe; every row reports a median and a p99 of
 * the counted handoffs (no timing is asserted, only that the figures exist and are ordered), the
 * report matches its schema, the table has its section, and nothing is left behind.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validate } from '../src/bench/schema.js';
import { BenchSandbox } from './helpers/bench.js';

test('bench --handoff: median and p99 for every backing and receiver, and for Python, at two sizes', async () => {
  const box = new BenchSandbox();
  let run;
  try {
    run = await box.bench(['--handoff', '--size', '1024,4096', '--iterations', '5', '--python']);
  } finally {
    assert.deepEqual(box.leftovers(), { segments: [], files: [], processes: [] });
  }
  const { code, stdout, report } = run;
  assert.deepEqual(validate(report), []);
  const rows = report.handoff?.rows ?? [];
  const failed = rows.filter((r) => r.outcome.state !== 'ok').map((r) => `${r.impl} ${r.backing} ${r.kind} n=${r.n}: ${JSON.stringify(r.outcome)}`);
  assert.deepEqual(failed, []);
  assert.equal(code, 0);
  const expected = ['ndshare shm process', 'ndshare shm thread', 'ndshare memfd process', 'ndshare memfd thread', 'ndshare file process', 'ndshare file thread', 'ndshare sab thread', 'python shm process'];
  for (const n of [1024, 4096]) {
    const at = rows.filter((r) => r.n === n);
    assert.deepEqual(at.map((r) => `${r.impl} ${r.backing} ${r.kind}`), expected, `rows at n=${n}`);
    for (const r of at) {
      const what = `${r.impl} ${r.backing} ${r.kind} n=${n}`;
      assert.equal(r.iterations, 5, what);
      assert.ok(r.median !== null && r.p99 !== null && r.min !== null && r.bareMedian !== null && r.attachMedian !== null, `${what}: figures`);
      assert.ok(r.min <= r.median && r.median <= r.p99, `${what}: min <= median <= p99`);
      // The attach is part of the handoff: no single one can take longer than the whole.
      assert.ok(r.attachMedian <= r.p99, `${what}: attach within the handoff`);
      assert.equal(r.bytes, n * 8, what);
      assert.equal(r.channel, r.impl === 'python' ? 'multiprocessing.Pipe' : r.kind === 'process' ? 'ipc' : 'MessagePort', what);
      if (r.impl === 'ndshare') assert.ok(r.ratioPython !== null, `${what}: ratio to Python`);
      if (n === 4096) assert.ok(r.ratioSmallest !== null, `${what}: ratio to the smallest size`);
    }
  }
  assert.match(stdout, /^Handoff to a running receiver/m);
  assert.match(stdout, /^ndshare\s+sab\s+thread\s+port\s/m);
  assert.match(stdout, /^python\s+shm\s+process\s+Pipe\s/m);
  assert.match(stdout, /^- handoff shm process 8\.19 kB: median <= 0\.5x Python \(SharedMemory name over a Pipe\): (met|NOT met)/m);
  // From the section on (the machine line above it is the study table's, with its own length).
  const section = stdout.slice(stdout.indexOf('Handoff to a running receiver'));
  const widest = section.split('\n').reduce((a, b) => (b.length > a.length ? b : a), '');
  assert.ok(widest.length < 120, `the widest line is ${widest.length} columns: ${widest}`);
});
