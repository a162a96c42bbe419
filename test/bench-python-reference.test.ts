/**
 * src/bench/python/reference.py, the NumPy original: each of the study's nine methods runs at a small
 * size with the child verifying the full sum, through the same runner `--python` uses. The study's
 * own Manager registration fails on NumPy 2 (AutoProxy touches `.mT`, which raises for 1-d
 * arrays): this test pins that fact, so the fix in the script is known to be needed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PYTHON_METHODS, referenceScript, runPython } from '../src/bench/python.js';
import { runSync } from './helpers/process.js';
import { shmEntries } from './helpers/shm.js';
import { onceOnMainNode } from './helpers/matrix.js';

const refNames = (): string[] => readdirSync('/dev/shm').filter((n) => n.startsWith('ndshare-ref-'));

test('NumPy reference: all nine study methods share 1e4 ones with a verifying child', { skip: onceOnMainNode('the NumPy reference') }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-ref-test-'));
  const before = shmEntries();
  try {
    assert.equal(PYTHON_METHODS.length, 9);
    for (const method of PYTHON_METHODS) {
      const pair = await runPython({ method, n: 1e4, dtype: 'float64', verify: true, dir, timeoutMs: 60_000 });
      for (const run of [pair.cold, pair.warm]) assert.ok(run.state === 'ok' && run.total > 0, `${method}: ${JSON.stringify(run)}`);
    }
    assert.deepEqual(readdirSync(dir), [], 'memmap files removed');
    assert.deepEqual(refNames(), [], 'SharedMemory segments unlinked');
    assert.deepEqual([...shmEntries()].filter((n) => !before.has(n) && n.startsWith(`ndshare-${process.pid}-`)), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("NumPy reference: the study's own Manager registration fails on NumPy 2, the fixed one works", () => {
  const run = (extra: string[]): string =>
    runSync(`python3 reference.py --method manager ${extra.join(' ')}`, 'python3', [referenceScript, '--method', 'manager', '--n', '1000', '--repeats', '1', ...extra]).stdout;
  assert.match(run(['--study-manager']), /"state": "failed".*matrix transpose with ndim < 2 is undefined/);
  assert.match(run([]), /"state": "ok"/);
});

test('NumPy reference: a child that finds wrong data fails the run (negative control)', async () => {
  // numpy.ones patched to give twos: the child's --verify sum is 2n, so the run must say failed.
  const r = runSync('python3 reference.py with numpy.ones patched', 'python3', ['-c', `
import runpy, sys
sys.argv = ['reference.py', '--method', 'argument', '--n', '1000', '--repeats', '1', '--verify']
import numpy
orig = numpy.ones
numpy.ones = lambda shape, dtype=None: orig(shape, dtype=dtype) * 2
runpy.run_path(${JSON.stringify(referenceScript)}, run_name='__main__')
`]);
  assert.match(r.stdout, /"state": "failed", "error": "child exited with code 1"/);
});
