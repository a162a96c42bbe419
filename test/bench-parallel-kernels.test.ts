/**
 * `ndshare bench --parallel` at a small size runs every kernel (sum, a*x+b, stencil) for ndshare's
 * threads and processes and for NumPy's Pool, with 1 and 2 workers, every result checked by the
 * bench itself (a wrong sum, update or stencil value fails its row); the report matches the schema,
 * the table prints the parallel section and its goal lines, and nothing is left behind.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validate } from '../src/bench/schema.js';
import { BenchSandbox } from './helpers/bench.js';

test('bench --parallel: every kernel runs and checks out for threads, processes and NumPy, 1 and 2 workers', async () => {
  const box = new BenchSandbox();
  const { code, stdout, stderr, report } = await box.bench(['--parallel', '--size', '2e4', '--workers', '1,2', '--repeats', '2']);
  const left = box.leftovers();
  assert.equal(stderr, '');
  assert.deepEqual(validate(report), []);
  const [section] = report.parallel ?? [];
  assert.ok(section !== undefined && report.parallel?.length === 1, 'one parallel section');
  assert.deepEqual([section.rows, section.cols], [141, 141], 'about square, rows x cols <= n');
  const wrong = section.results.filter((r) => r.outcome.state !== 'ok').map((r) => `${r.impl} ${r.kind} ${r.kernel} x${r.workers}: ${JSON.stringify(r.outcome)}`);
  assert.deepEqual(wrong, []);
  const seen = section.results.map((r) => `${r.impl}/${r.kind}/${r.kernel}/${r.workers}`).sort();
  const want = ['ndshare/thread', 'ndshare/process', 'numpy/process'].flatMap((ik) => ['sum', 'axpb', 'stencil'].flatMap((k) => [1, 2].map((w) => `${ik}/${k}/${w}`))).sort();
  assert.deepEqual(seen, want, 'one row per implementation x kind x kernel x worker count');
  for (const r of section.results) {
    assert.equal(r.runs.length, 2, 'the timed runs');
    assert.ok(r.median !== null && r.speedup !== null && r.efficiency !== null && r.throughput !== null);
    assert.ok(r.cpu !== null && r.cpu > 0 && r.cpuEfficiency !== null, `the CPU time of the slowest task: ${r.impl} ${r.kind} ${r.kernel} x${r.workers}`);
    if (r.impl === 'ndshare') assert.ok(r.ratioNumpy !== null, 'compared with NumPy in the same run');
  }
  assert.equal(section.sharing.length, 6);
  for (const s of section.sharing) assert.ok(s.outcome.state === 'ok' && s.perTask !== null && s.firstAttach !== null, JSON.stringify(s));
  assert.equal(section.bandwidthError, null);
  assert.deepEqual(section.bandwidth.map((b) => b.threads), [...new Set([1, section.cores, 2])].sort((a, b) => a - b));
  assert.match(stdout, /Parallel work: 19881 float64 .* as 141 x 141/);
  assert.match(stdout, /stencil \(compute-bound\) efficiency at N = \d+ cores, threads, >= 0\.9: (met|NOT met)/);
  assert.match(stdout, /sharing cost per task <= 50 us: (met|NOT met)/);
  assert.equal(code, 0);
  assert.deepEqual(left, { segments: [], files: [], processes: [] });
});
