/**
 * `ndshare bench-zarr` runs end to end on a small array (a smoke run, not a measurement): both
 * sides, raw and zlib, a table with MB/s and ratios, the JSON report, its stores removed; and a
 * bad option is a usage error (exit 2).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from './helpers/bench.js';
import { ShmSnapshot } from './helpers/shm.js';
import { zarrScratch } from './helpers/zarr.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await runCli(argv);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

test('bench-zarr: a small run of both sides prints MB/s and ratios and leaves no store behind', async () => {
  const shm = new ShmSnapshot();
  const scratch = zarrScratch('zarr-bench');
  try {
    const json = join(scratch.dir, 'r.json');
    const r = await run(['bench-zarr', '--size', '200000', '--chunk', '30000', '--repeats', '1', '--dir', scratch.dir, '--json', json]);
    assert.equal(r.code, 0, r.out + r.err);
    for (const c of ['none', 'zlib']) {
      for (const op of ['publish', 'fetch to shared memory', 'fetch to private memory']) assert.match(r.out, new RegExp(`${op}\\s+${c}\\s+\\d+\\s+\\d+\\s+\\d+\\.\\d\\dx`), r.out);
    }
    const report = JSON.parse(readFileSync(json, 'utf8')) as { zarrPython: string; rows: Array<{ python: { publish?: number[] } }> };
    assert.match(report.zarrPython, /^2\.13/);
    assert.equal(report.rows[0]?.python.publish?.length, 1);
    assert.deepEqual(readdirSync(scratch.dir).filter((n) => n.endsWith('.zarr')), [], 'both sides removed their stores');
    const bad = await run(['bench-zarr', '--compressors', 'lzma']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /^ndshare bench-zarr: ERR_NDSHARE_INVALID_ARGUMENT: Expected --compressors from .+ but received 'lzma'\nRun 'ndshare bench-zarr --help' for its usage\.\n$/);
  } finally {
    scratch.done();
    assert.deepEqual(shm.addedBy(), []);
  }
});
