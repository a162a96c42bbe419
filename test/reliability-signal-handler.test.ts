/**
 * When the application handles SIGTERM itself, ndshare does not unlink its segments on the signal
 * (the application may keep running and still share them); it unlinks them when the process
 * exits. Without an application handler, the core's lifetime tests show the other half: unlink,
 * then die of the signal.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FixtureChild } from './helpers/child.js';
import { shmExists } from './helpers/shm.js';

test("an application's own SIGTERM handler keeps the names until the process exits", async () => {
  const child = new FixtureChild<Record<string, string>>('reliability-signal-child');
  try {
    const { name = '' } = await child.next('the name of its segment');
    assert.ok(shmExists(name));
    child.kill('SIGTERM');
    assert.deepEqual(await child.next("'SIGTERM' from its handler"), { signal: 'SIGTERM' }, "the application's handler ran");
    assert.ok(shmExists(name), 'the name is still there: the application chose to keep running');
    child.send('exit');
    assert.deepEqual(await child.exited, { code: 0, signal: null });
    assert.ok(!shmExists(name), 'unlinked at exit');
  } finally {
    child.kill('SIGKILL');
    await child.exited;
  }
});
