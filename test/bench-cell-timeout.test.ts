/**
 * The per-cell limit: a benchmark process that hangs is killed with its whole process group (a
 * forked grandchild included) and reported as timed out; a process that finishes in time is
 * reported as exited with its fd-3 answer (control).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { runProcess } from '../src/bench/spawn.js';

/** Running (not gone, not a zombie waiting for its new parent to reap it). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

test('runProcess: a hanging cell and its grandchild are killed at the limit and reported timed out', async () => {
  // The cell starts a grandchild, tells us its pid on fd 3... and then never ends.
  const script = `
    const { spawn } = require('node:child_process');
    const g = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    require('node:fs').writeSync(3, String(g.pid));
    setInterval(() => {}, 1000);`;
  const exit = await runProcess(process.execPath, ['-e', script], 1500);
  assert.equal(exit.state, 'timeout');
  assert.ok(exit.state === 'timeout' && exit.afterSeconds >= 1.4);
  const grandchild = Number(exit.result);
  assert.ok(Number.isInteger(grandchild) && grandchild > 0, 'the grandchild had started');
  assert.equal(running(exit.pid), false, 'the cell is gone');
  // SIGKILL was sent to the whole group; the kernel finishes the grandchild's exit asynchronously.
  const deadline = Date.now() + 10_000;
  while (running(grandchild) && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  assert.equal(running(grandchild), false, 'the grandchild is gone too (SIGKILL to the whole group)');
});

test('runProcess: a cell that answers in time is reported exited with its answer (control)', async () => {
  const exit = await runProcess(process.execPath, ['-e', "require('node:fs').writeSync(3, 'answer'); console.log('noise')"], 30_000);
  assert.equal(exit.state, 'exited');
  assert.ok(exit.state === 'exited' && exit.code === 0 && exit.result === 'answer' && exit.stdout === 'noise\n');
});
