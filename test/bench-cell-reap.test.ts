/**
 * After a cell is killed at its time limit, its exit handlers never run: the orchestrator's
 * reapCell() removes the segments and .npy files it created (found by its pid), and leaves
 * everything else alone (control: a segment of a live process with the same kind of name).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { create } from '../src/core/create.js';
import { reapCell } from '../src/bench/orchestrator.js';
import { runProcess } from '../src/bench/spawn.js';
import { shmExists } from './helpers/shm.js';

const createUrl = new URL('../src/core/create.js', import.meta.url).href;

test('reapCell: a killed cell leaves no segment and no file; live segments are untouched', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-reap-test-'));
  const mine = create({ dtype: 'float64', shape: [16], backing: 'shm' }); // control: live, not the cell's
  try {
    // The "cell" creates a segment and a file, reports their names on fd 3, then hangs.
    const script = `
      const { create } = await import(${JSON.stringify(createUrl)});
      const a = create({ dtype: 'float64', shape: [1024], backing: 'shm', fill: 1 });
      const f = create({ dtype: 'float64', shape: [1024], backing: 'file', path: ${JSON.stringify(dir)} + '/ndshare-' + process.pid + '-0123456789abcdef.npy' });
      (await import('node:fs')).writeSync(3, JSON.stringify([a.path, f.path]));
      setInterval(() => {}, 1000);`;
    const exit = await runProcess(process.execPath, ['--input-type=module', '-e', script], 3000);
    assert.equal(exit.state, 'timeout');
    const [segment] = JSON.parse(exit.state === 'timeout' ? exit.result : '[]') as [string, string];
    assert.ok(shmExists(segment.replace('/dev/shm/', '')), 'SIGKILL left the segment behind (what reaping is for)');
    assert.equal(readdirSync(dir).length, 1, 'and the file');
    reapCell(exit.pid, dir);
    assert.equal(shmExists(segment.replace('/dev/shm/', '')), false);
    assert.deepEqual(readdirSync(dir), []);
    assert.ok(shmExists(mine.path?.replace('/dev/shm/', '') ?? ''), "this process's live segment is untouched");
  } finally {
    mine.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
