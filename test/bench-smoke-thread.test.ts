/**
 * `ndshare bench` at a small size, every registry method, worker threads: each supported method
 * completes with the child confirming the full checksum (--verify), each unsupported one says why,
 * and the run leaves no segment, file or process behind.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { METHODS } from '../src/methods/index.js';
import { BenchSandbox, failures } from './helpers/bench.js';

test('bench smoke: every method hands 1e4 float64 ones to a worker thread, verified', async () => {
  const box = new BenchSandbox();
  const { code, stdout, stderr, report } = await box.bench(['--size', '1e4', '--repeats', '1', '--verify', '--threads']);
  const left = box.leftovers();
  assert.equal(stderr, '');
  assert.deepEqual(failures(report), []);
  const cold = report.rows.filter((r) => r.impl === 'ndshare' && r.temperature === 'cold');
  assert.deepEqual(cold.map((r) => r.method), METHODS.map((m) => m.name), 'one cold row per registry method, in order');
  for (const row of cold) {
    const info = METHODS.find((m) => m.name === row.method);
    assert.ok(info);
    assert.equal(row.kind, 'thread');
    if (!info.kinds.thread.supported) {
      assert.deepEqual(row.outcome, { state: 'unsupported', why: info.kinds.thread.why });
      continue;
    }
    assert.deepEqual(row.outcome, { state: 'ok' }, `${row.method}: ${JSON.stringify(row.outcome)}`);
    assert.equal(row.runs.length, 1);
    const run = row.runs[0];
    assert.ok(run?.state === 'ok' && run.total > 0 && (run.handoff ?? 0) > 0 && run.peakChildKiB === 0, `${row.method}: phases; a worker's memory is the cell's own`);
    assert.match(stdout, new RegExp(`^${row.method}\\s+thread\\s+cold\\s+(Yes|No)\\s.*\\sok$`, 'm'));
  }
  // shm also runs warm for threads, from the segment pool.
  const warm = report.rows.filter((r) => r.temperature === 'warm').map((r) => r.method);
  for (const m of ['shm']) assert.ok(warm.includes(m as never), `warm row for ${m}`);
  assert.equal(code, 0);
  assert.deepEqual(left, { segments: [], files: [], processes: [] });
});
