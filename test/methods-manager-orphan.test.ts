/**
 * When the process that started a manager share is SIGKILLed (no handler runs), its manager
 * server and its child notice the broken IPC channel and exit, and the server removes its socket.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { deadline } from './helpers/channel.js';
import { alive, firstLine, untilGone } from './helpers/process.js';

const kParent = fileURLToPath(new URL('./fixtures/methods-manager-orphan.js', import.meta.url));

test('manager: SIGKILL the parent; its server and child exit and the socket is removed', async () => {
  const parent = spawn(process.execPath, [kParent], { stdio: ['ignore', 'pipe', 'inherit'] });
  const label = `the fixture methods-manager-orphan (pid ${parent.pid})`;
  const exited = new Promise((r) => parent.once('exit', r));
  const orphans: number[] = [];
  try {
    const line = await firstLine(parent, label);
    const { pid, serverPid, childPid } = JSON.parse(line) as { pid: number; serverPid: number; childPid: number };
    orphans.push(serverPid, childPid);
    const sockets = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith(`ndshare-mgr-${pid}-`));
    // Control: all three run and the socket exists before the kill.
    assert.ok(alive(serverPid) && alive(childPid));
    assert.equal(sockets().length, 1);
    parent.kill('SIGKILL');
    await deadline(exited, `${label} to die of SIGKILL`);
    await untilGone(serverPid, 'the orphaned manager server');
    await untilGone(childPid, 'the orphaned child');
    assert.deepEqual(sockets(), []);
  } finally {
    // Whatever this test could not see end must not outlive it.
    parent.kill('SIGKILL');
    for (const pid of orphans) if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
});
