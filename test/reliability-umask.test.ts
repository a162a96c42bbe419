/**
 * A segment (and a file array with default permissions) created under umask 000 is still 0600:
 * create() sets the mode with fchmod after opening, whatever the umask. The control file, opened
 * with 0666 in the same child, comes out 0666, proving the umask really was 000.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FixtureChild } from './helpers/child.js';
import { ShmSnapshot } from './helpers/shm.js';

test('segments created under umask 000 are 0600', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-umask-'));
  const shm = new ShmSnapshot();
  let pid = -1;
  try {
    const child = new FixtureChild<Record<string, number>>('reliability-umask-child', { args: [dir] });
    pid = child.pid;
    let modes: Record<string, number>;
    try {
      modes = await child.next('its modes');
      await child.exited;
    } finally {
      await child.close();
    }
    assert.equal(modes['umask'], 0);
    assert.equal(modes['control'], 0o666, 'the umask really was 000 (negative control)');
    assert.equal(modes['shm'], 0o600);
    assert.equal(modes['file'], 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(shm.addedBy(pid), [], 'the child removed its segment');
});
