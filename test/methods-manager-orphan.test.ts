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
import { watchdog } from './helpers/methods.js';
import { alive } from './helpers/process.js';

const kParent = fileURLToPath(new URL('./fixtures/methods-manager-orphan.js', import.meta.url));

/** Resolves once `pid` is gone: each check waits on a child's exit or a short timer, never a fixed sleep budget. */
async function gone(pid: number): Promise<void> {
  while (alive(pid)) await new Promise((r) => setTimeout(r, 20));
}

test('manager: SIGKILL the parent; its server and child exit and the socket is removed', async () => {
  const parent = spawn(process.execPath, [kParent], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((r) => parent.once('exit', r));
  const line = await watchdog(
    new Promise<string>((resolve, reject) => {
      let out = '';
      parent.stdout.setEncoding('utf8').on('data', (s: string) => {
        out += s;
        if (out.includes('\n')) resolve(out.split('\n')[0] as string);
      });
      parent.once('exit', (code) => reject(new Error(`parent exited (${code}) before reporting`)));
    }),
    'parent report',
  );
  const { pid, serverPid, childPid } = JSON.parse(line) as { pid: number; serverPid: number; childPid: number };
  const sockets = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith(`ndshare-mgr-${pid}-`));
  // Control: all three run and the socket exists before the kill.
  assert.ok(alive(serverPid) && alive(childPid));
  assert.equal(sockets().length, 1);
  parent.kill('SIGKILL');
  await exited;
  await watchdog(gone(serverPid), 'server exit');
  await watchdog(gone(childPid), 'child exit');
  assert.deepEqual(sockets(), []);
});
