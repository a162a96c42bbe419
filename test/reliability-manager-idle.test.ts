/**
 * The manager method holds nothing idle that keeps a process alive, like every other method: its
 * proxy socket is referenced only while a call is in flight, and the parent's manager server
 * (process, IPC channel, pipes) only while it starts or stops. A child (process or worker) that
 * uses its proxy and never closes it ends on its own with code 0; it used to run until
 * peer.close() SIGKILLed it after the grace period. A parent that forgets peer.close() exits, and
 * its server follows and removes its socket; it used to run for ever.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createFor, share, type ManagerClient } from '../src/share/index.js';
import { deadline } from './helpers/channel.js';
import { fixturePath } from './helpers/child.js';
import { alive, firstLine, untilGone } from './helpers/process.js';

/** Watchdog for a child that should end on its own (generous; the grace period of close() is 5 s). */
const kEndMs = 20_000;

for (const kind of ['process', 'thread'] as const) {
  test(`manager (${kind}): a child that never closes its proxy ends on its own`, async () => {
    const array = createFor('manager', kind, { dtype: 'float64', shape: [16], fill: 2 });
    const peer = await share(array, { method: 'manager', kind, entry: fixturePath('reliability-manager-idle-child') });
    try {
      assert.deepEqual(await deadline(peer.reply(), 'the child to reply with its sum', kEndMs), { sum: 32 });
      const exit = await deadline(peer.exited, `the ${kind} child to end on its own, its proxy still open`, kEndMs);
      assert.deepEqual(exit, { state: 'exited', code: 0 });
      // The parent's own proxy is idle too, but still works (referenced again for the call).
      assert.equal(await (peer.proxy as ManagerClient).sum(), 32);
    } finally {
      await peer.close({ graceMs: 0 });
      array.close();
    }
  });
}

test('manager: a parent that forgets peer.close() exits, and its server goes with its socket', async () => {
  const parent = spawn(process.execPath, [fixturePath('reliability-manager-forgotten-parent')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const label = `the fixture reliability-manager-forgotten-parent (pid ${parent.pid})`;
  let stderr = '';
  parent.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => parent.once('exit', (code, signal) => resolve({ code, signal })));
  let serverPid = -1;
  try {
    const line = await firstLine(parent, label, kEndMs, () => stderr);
    const r = JSON.parse(line) as { pid: number; serverPid: number; sum: number; childSum: number };
    serverPid = r.serverPid;
    assert.deepEqual([r.sum, r.childSum], [32, 32], 'both proxies worked');
    const exit = await deadline(exited, `${label} to exit on its own without peer.close()`, kEndMs);
    assert.deepEqual(exit, { code: 0, signal: null }, stderr);
    await untilGone(serverPid, 'its manager server', kEndMs);
    assert.deepEqual(readdirSync(tmpdir()).filter((n) => n.startsWith(`ndshare-mgr-${r.pid}-`)), [], 'the server removed its socket');
  } finally {
    parent.kill('SIGKILL');
    if (serverPid > 0 && alive(serverPid)) process.kill(serverPid, 'SIGKILL');
    // A server killed here could not remove its socket.
    for (const n of readdirSync(tmpdir()).filter((f) => f.startsWith(`ndshare-mgr-${parent.pid}-`))) rmSync(join(tmpdir(), n), { force: true });
  }
});
