/**
 * The peak-memory figure comes from one extra, untimed run of each cell, sampled from outside; the
 * timed runs are not sampled (the sampler's reads of /proc would slow them). So in the JSON report
 * no timed run carries `peakOnceKiB`, the row does (at least the array: create() writes it through
 * the fd into shared memory the cell holds), and the progress counts the memory run as a step.
 * `--no-memory` skips that run: no step for it, and no row has the figure.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Report } from '../src/bench/types.js';
import { BenchSandbox } from './helpers/bench.js';
import { runBin } from './helpers/cli.js';

test('bench: peak memory from an untimed sampled run; the timed runs carry none', () => {
  const box = new BenchSandbox();
  const out = mkdtempSync(join(tmpdir(), 'ndshare-memory-run-test-'));
  try {
    const json = join(out, 'report.json');
    const n = 4_000_000; // 32 MB of float64: well above the noise of a process's own memory.
    const r = runBin(['bench', '--methods', 'shm', '--size', String(n), '--repeats', '2', '--progress', '--dir', box.dir, '--json', json]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^\[3\/3\] shm process n=4000000 peak memory: ok/m);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    const rows = report.rows.filter((row) => row.impl === 'ndshare');
    assert.deepEqual(rows.map((row) => [row.temperature, row.runs.length]), [['cold', 2], ['warm', 2]]);
    for (const row of rows) {
      for (const run of row.runs) assert.ok(run.state === 'ok' && run.peakOnceKiB === undefined, JSON.stringify(run));
      assert.ok(typeof row.peakOnceKiB === 'number' && row.peakOnceKiB >= (n * 8) / 1024, `${row.temperature}: ${row.peakOnceKiB} KiB`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
    assert.deepEqual(box.leftovers(), { segments: [], files: [], processes: [] });
  }
});

test('bench --no-memory: no peak-memory run, no step for it, no figure', () => {
  const box = new BenchSandbox();
  const out = mkdtempSync(join(tmpdir(), 'ndshare-memory-run-test-'));
  try {
    const json = join(out, 'report.json');
    const r = runBin(['bench', '--methods', 'shm', '--size', '1e4', '--repeats', '1', '--no-memory', '--progress', '--dir', box.dir, '--json', json]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^\[1\/1\] shm process n=1e4 run 1\/1: ok/m);
    assert.doesNotMatch(r.stderr, /peak memory/);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    assert.equal(report.options.memory, false);
    for (const row of report.rows) assert.equal(row.peakOnceKiB, null, `${row.temperature}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
    assert.deepEqual(box.leftovers(), { segments: [], files: [], processes: [] });
  }
});
