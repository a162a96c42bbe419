/**
 * The creator's shm segments are unlinked when it exits normally and when SIGINT, SIGTERM or SIGHUP
 * kill it (real child, real signal, /dev/shm checked). Negative control: SIGKILL runs no handler,
 * so the segment stays (the sweeper's job), which shows that the check can fail.
 */
import assert from 'node:assert/strict';
import { unlinkSync } from 'node:fs';
import { test } from 'node:test';
import { Agent } from './helpers/agent.js';
import { shmExists } from './helpers/shm.js';

async function childWithSegment(): Promise<{ agent: Awaited<ReturnType<typeof Agent.child>>; path: string }> {
  const agent = await Agent.child();
  try {
    const r = await agent.ok({ op: 'create', options: { dtype: 'float64', shape: [1024], backing: 'shm', fill: 1 } });
    const path = r.path ?? assert.fail('no path');
    assert.ok(shmExists(path.slice('/dev/shm/'.length)), 'the segment exists while the child runs');
    return { agent, path };
  } catch (err) {
    // The caller gets no agent to close: a child left running would keep this file from ending.
    await agent.close();
    throw err;
  }
}

test('normal exit unlinks the segments the process created', async () => {
  const { agent, path } = await childWithSegment();
  // The reply never comes: the child exits. Wait for the exit itself.
  agent.process.send({ op: 'exit', code: 0 });
  const exit = await agent.process.exited;
  assert.equal(exit.code, 0);
  assert.equal(shmExists(path.slice(9)), false);
});

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  test(`${signal} unlinks the segments and the process still dies of the signal`, async () => {
    const { agent, path } = await childWithSegment();
    agent.process.kill(signal);
    const exit = await agent.process.exited;
    assert.equal(exit.signal, signal, 'the default action (death by the signal) is kept');
    assert.equal(shmExists(path.slice(9)), false);
  });
}

test('negative control: SIGKILL leaves the segment (no handler can run)', async () => {
  const { agent, path } = await childWithSegment();
  agent.process.kill('SIGKILL');
  await agent.process.exited;
  try {
    assert.equal(shmExists(path.slice(9)), true, 'the check above would catch a leftover');
  } finally {
    unlinkSync(path);
  }
});

test("an attacher's exit does not unlink the creator's segment", async () => {
  const { agent: creator, path } = await childWithSegment();
  const name = path.slice('/dev/shm'.length);
  try {
    const attacher = await Agent.child();
    try {
      await attacher.attach({ ndshare: 1, backing: 'shm', dtype: 'float64', shape: [1024], name });
    } finally {
      await attacher.close();
    }
    assert.equal(shmExists(name), true);
  } finally {
    await creator.close();
  }
  assert.equal(shmExists(path.slice(9)), false, 'gone once the creator exits');
});
