/**
 * When the application handles SIGTERM itself, ndshare does not unlink its segments on the signal
 * (the application may keep running and still share them); it unlinks them when the process
 * exits. Without an application handler, the core's lifetime tests show the other half: unlink,
 * then die of the signal.
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { test } from 'node:test';
import { fixturePath } from './helpers/child.js';
import { shmExists } from './helpers/shm.js';

test("an application's own SIGTERM handler keeps the names until the process exits", async () => {
  const child = fork(fixturePath('reliability-signal-child'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
  const next = () => new Promise<Record<string, string>>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Record<string, string>));
    child.once('exit', (code) => reject(new Error(`signal child exited early (${code})`)));
  });
  try {
    const { name = '' } = await next();
    assert.ok(shmExists(name));
    const reply = next();
    child.kill('SIGTERM');
    assert.deepEqual(await reply, { signal: 'SIGTERM' }, "the application's handler ran");
    assert.ok(shmExists(name), 'the name is still there: the application chose to keep running');
    child.send('exit');
    assert.deepEqual(await exited, [0, null]);
    assert.ok(!shmExists(name), 'unlinked at exit');
  } finally {
    child.kill('SIGKILL');
  }
});
