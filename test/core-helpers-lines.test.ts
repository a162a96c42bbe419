/**
 * The shared test helpers themselves: the JSON-lines transport of FixtureChild reaches a real
 * child, and the watchdog turns a child that never answers into a failure (and kills it) instead
 * of a hang.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create } from '../src/index.js';
import type { AgentReply } from './helpers/agent.js';
import { FixtureChild } from './helpers/child.js';

test("transport 'lines': requests and replies as JSON lines over stdin/stdout", async () => {
  const a = create({ dtype: 'int16', shape: [3], backing: 'shm', fill: -5 });
  const child = new FixtureChild<AgentReply>('core-agent-lines', { transport: 'lines' });
  try {
    assert.deepEqual(await child.next(), { state: 'ok', value: 'ready' });
    const attached = await child.request({ op: 'attach', handle: a.handle });
    assert.equal(attached.state, 'ok');
    const id = attached.state === 'ok' ? (attached.ids?.[0] ?? -1) : -1;
    assert.deepEqual(await child.request({ op: 'get', id, index: 2 }), { state: 'ok', value: '-5' });
  } finally {
    const exit = await child.close();
    assert.equal(exit.code, 0, 'ending stdin ends the child');
    a.close();
  }
});

test('watchdog: a child that never replies fails the wait and is killed', async () => {
  // The IPC agent ignores line input, so this request never gets an answer.
  const child = new FixtureChild<AgentReply>('core-agent-child', { watchdogMs: 2000 });
  assert.deepEqual(await child.next(), { state: 'ok', value: 'ready' });
  await assert.rejects(child.next(), /watchdog: child core-agent-child .* sent nothing for 2000 ms/);
  const exit = await child.exited;
  assert.equal(exit.signal, 'SIGKILL');
});
