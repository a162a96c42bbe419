/**
 * A segment (and a file array with default permissions) created under umask 000 is still 0600:
 * create() sets the mode with fchmod after opening, whatever the umask. The control file, opened
 * with 0666 in the same child, comes out 0666, proving the umask really was 000.
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixturePath } from './helpers/child.js';
import { ShmSnapshot } from './helpers/shm.js';

test('segments created under umask 000 are 0600', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-umask-'));
  const shm = new ShmSnapshot();
  let pid = -1;
  try {
    const child = fork(fixturePath('reliability-umask-child'), [dir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    pid = child.pid ?? -1;
    const modes = await new Promise<Record<string, number>>((resolve, reject) => {
      child.once('message', (m) => resolve(m as Record<string, number>));
      child.once('exit', (code) => reject(new Error(`umask child exited with ${code} before replying`)));
    });
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
    assert.equal(modes['umask'], 0);
    assert.equal(modes['control'], 0o666, 'the umask really was 000 (negative control)');
    assert.equal(modes['shm'], 0o600);
    assert.equal(modes['file'], 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(shm.addedBy(pid), [], 'the child removed its segment');
});
