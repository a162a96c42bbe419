/**
 * inheritedArrays({ dtype }) in a child started by spawnWithArrays: the expected dtypes (one for
 * all, or one per array, by name or descr) are checked before anything is mapped; a dtype or a
 * count the child did not expect is ERR_NDSHARE_HANDLE_MISMATCH, and then none of the inherited
 * fds stays open in the child (it cannot take them again to close them).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, spawnWithArrays, type NdArray } from '../src/index.js';
import { deadline, kDefaultWatchdogMs } from './helpers/channel.js';
import { fixturePath } from './helpers/child.js';
import { FdSnapshot } from './helpers/fds.js';
import { ShmSnapshot } from './helpers/shm.js';

interface Report {
  outcome: { state: 'ok'; dtypes: string[]; sum: number } | { state: 'failed'; code: string; message: string };
  held: number;
}

function runChild(arrays: readonly NdArray[], dtype: unknown): Promise<Report> {
  const child = spawnWithArrays(process.execPath, [fixturePath('core-inherit-dtype-child'), JSON.stringify(dtype)], arrays, { stdio: ['ignore', 'pipe', 'inherit'] });
  const done = new Promise<Report>((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        if (code !== 0) throw new Error(`exit code ${code}`);
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as Report);
      } catch (err) {
        reject(new Error(`Expected the child core-inherit-dtype-child to print one JSON line and exit 0 but (${String(err)}): ${out}`));
      }
    });
  });
  return deadline(done, `the spawned child core-inherit-dtype-child (pid ${child.pid}) to report and exit`, kDefaultWatchdogMs, () => child.kill('SIGKILL'));
}

const cases = [
  { dtype: ['float64', '<i4'], expect: { state: 'ok', dtypes: ['float64', 'int32'], sum: 4 * 1.5 + 2 * 3 } },
  { dtype: ['float64', 'float64'], expect: { state: 'failed', code: 'ERR_NDSHARE_HANDLE_MISMATCH', message: /^Expected dtype float64 \(options\.dtype\[1\]\) for inherited array 1 but it holds int32; / } },
  { dtype: 'float64', expect: { state: 'failed', code: 'ERR_NDSHARE_HANDLE_MISMATCH', message: /^Expected dtype float64 \(options\.dtype\) for inherited array 1 but it holds int32; / } },
  { dtype: ['float64'], expect: { state: 'failed', code: 'ERR_NDSHARE_HANDLE_MISMATCH', message: /^Expected 1 inherited arrays \(options\.dtype\) but the parent passed 2$/ } },
  { dtype: ['float64', 'flaot64'], expect: { state: 'failed', code: 'ERR_NDSHARE_INVALID_DTYPE', message: /for options\.dtype\[1\] but received the string "flaot64"$/ } },
] as const;

for (const c of cases) {
  test(`inheritedArrays({ dtype: ${JSON.stringify(c.dtype)} }): ${c.expect.state === 'ok' ? 'typed and mapped' : c.expect.code}`, async () => {
    const shm = new ShmSnapshot();
    const fds = new FdSnapshot();
    const arrays = [create({ dtype: 'float64', shape: [4], backing: 'memfd', fill: 1.5 }), create({ dtype: 'int32', shape: [2], backing: 'shm', fill: 3 })];
    try {
      const report = await runChild(arrays, c.dtype);
      if (c.expect.state === 'ok') {
        assert.deepEqual(report.outcome, c.expect);
      } else {
        assert.equal(report.outcome.state, 'failed', JSON.stringify(report.outcome));
        assert.equal(report.outcome.state === 'failed' && report.outcome.code, c.expect.code, JSON.stringify(report.outcome));
        assert.match(report.outcome.state === 'failed' ? report.outcome.message : '', c.expect.message);
      }
      // Closed after use, or never taken: no inherited fd is left in the child either way. (A
      // bad dtype option is the caller's mistake, found before the fds are touched: they are
      // then still the child's, and go when it exits.)
      if (c.expect.state === 'ok' || c.expect.code === 'ERR_NDSHARE_HANDLE_MISMATCH') assert.equal(report.held, 0, 'the child holds none of the inherited fds');
      else assert.equal(report.held, 2, 'the inherited fds are untouched (control for the check above)');
    } finally {
      for (const a of arrays) a.close();
    }
    assert.deepEqual(shm.addedBy(), []);
    assert.deepEqual(fds.leaked(), []);
  });
}
