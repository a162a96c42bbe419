/**
 * spawnWithArrays: a plain spawned child (no IPC) inherits memfd, shm and file arrays as fds,
 * maps them with inheritedArrays() (zero-copy: its write reaches the parent), cannot take them
 * twice, and does not pass them on to a grandchild (the inherited fds are replaced by
 * close-on-exec ones). With mode 'r' the child's writes stay in the child.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { create, spawnWithArrays, type NdArray } from '../src/index.js';
import { deadline, kDefaultWatchdogMs } from './helpers/channel.js';
import { fixturePath } from './helpers/child.js';
import { FdSnapshot } from './helpers/fds.js';
import { ShmSnapshot } from './helpers/shm.js';

interface Report {
  report: Array<{ backing: string; dtype: string; shape: number[]; first: string }>;
  again: string;
  leakedToGrandchild: string[];
  heldHere: number;
}

function runSpawned(arrays: readonly NdArray[], mode: string): Promise<{ report: Report; code: number | null }> {
  const child = spawnWithArrays(process.execPath, [fixturePath('core-inherit-spawned'), mode], arrays, { stdio: ['ignore', 'pipe', 'inherit'] });
  const done = new Promise<{ report: Report; code: number | null }>((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve({ report: JSON.parse(out.trim().split('\n').pop() ?? '') as Report, code });
      } catch {
        reject(new Error(`the spawned child printed no JSON (code ${code}): ${out}`));
      }
    });
  });
  return deadline(done, `the spawned child core-inherit-spawned (pid ${child.pid}) to report and exit`, kDefaultWatchdogMs, () => child.kill('SIGKILL'));
}

for (const mode of ['r+', 'r'] as const) {
  test(`spawnWithArrays, mode '${mode}': memfd, shm and file arrays reach a plain child by fd`, async () => {
    const shm = new ShmSnapshot();
    const fds = new FdSnapshot();
    const dir = mkdtempSync(join(tmpdir(), 'ndshare-core-inh-'));
    const arrays = [
      create({ dtype: 'float64', shape: [4], backing: 'memfd', fill: 10 }),
      create({ dtype: 'float64', shape: [2, 2], backing: 'shm', fill: 20 }),
      create({ dtype: 'float64', shape: [3], backing: 'file', path: join(dir, 'f.npy'), fill: 30 }),
    ];
    try {
      const { report, code } = await runSpawned(arrays, mode);
      assert.equal(code, 0);
      assert.deepEqual(report.report, [
        { backing: 'memfd', dtype: 'float64', shape: [4], first: '10' },
        { backing: 'shm', dtype: 'float64', shape: [2, 2], first: '20' },
        { backing: 'file', dtype: 'float64', shape: [3], first: '30' },
      ]);
      assert.equal(report.again, 'ERR_NDSHARE_NO_INHERITED', 'the arrays can be taken once');
      assert.equal(report.heldHere, 3, 'the child holds one fd per array (positive control for the next check)');
      assert.deepEqual(report.leakedToGrandchild, [], 'a grandchild inherits none of the fds');
      const firsts = arrays.map((a) => a.data[0]);
      assert.deepEqual(firsts, mode === 'r+' ? [11, 21, 31] : [10, 20, 30], mode === 'r+' ? "the child's writes reach the parent" : "a read-only child's writes stay in the child");
    } finally {
      for (const a of arrays) {
        a.unlink();
        a.close();
      }
      rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(shm.addedBy(), []);
    assert.deepEqual(fds.leaked(), []);
  });
}
