/**
 * The shared test helpers themselves: the JSON-lines transport of FixtureChild reaches a real
 * child; the watchdog turns a child that never answers into a failure (and kills it) instead
 * of a hang; a child or worker that dies while loading fails the wait at once with its error; and
 * a child a test forgot to close fails that test instead of keeping the run alive for ever.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { create } from '../src/index.js';
import type { AgentReply } from './helpers/agent.js';
import { deadline } from './helpers/channel.js';
import { FixtureChild, fixturePath } from './helpers/child.js';
import { FixtureWorker } from './helpers/worker.js';

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
  await assert.rejects(child.next("a reply that never comes"), /^Error: Expected child core-agent-child \(pid \d+\) to send a reply that never comes within 2000 ms$/);
  const exit = await child.exited;
  assert.equal(exit.signal, 'SIGKILL');
});

// The watchdog is long here on purpose: only the exit can end the wait in time, and the message
// says which one did ('but it exited' versus 'within 30000 ms').
test('a child whose module throws while loading fails the wait at once, with its stderr', async () => {
  const child = new FixtureChild('core-helpers-broken', { watchdogMs: 30_000 });
  try {
    await assert.rejects(child.next("'ready'"), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.match(err.message, /^Expected child core-helpers-broken \(pid \d+\) to send 'ready' but it exited \(code 1, signal null\); its stderr ended with:\n/);
      assert.match(err.message, /this fixture fails to start on purpose/);
      return true;
    });
    // Every later wait fails the same way.
    await assert.rejects(child.request({ op: 'get' }), /to reply to 'get' but it exited/);
  } finally {
    await child.close();
  }
});

test('a worker whose module throws while loading fails the wait at once, with its error', async () => {
  const worker = new FixtureWorker('core-helpers-broken', undefined, 30_000);
  try {
    await assert.rejects(worker.next("'ready'"), /^Error: Expected worker core-helpers-broken \(thread \d+\) to send 'ready' but it threw Error: core-helpers-broken: this fixture fails to start on purpose$/);
  } finally {
    await worker.close();
  }
});

test('a child left running at the end of its test fails that test and is killed, so the run ends', async () => {
  // A test file of its own, run directly, so that its failure is not this test's. Under
  // `node --test` this variable would make it speak the runner's binary protocol instead of TAP.
  const env = { ...process.env };
  delete env['NODE_TEST_CONTEXT'];
  const run = spawn(process.execPath, ['--test-reporter=tap', fixturePath('core-helpers-leak')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  run.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
  run.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
  const ended = new Promise<number | null>((resolve) => run.on('exit', (c) => resolve(c)));
  const code = await deadline(ended, `the run of fixture core-helpers-leak (pid ${run.pid}) to end`, 60_000, () => run.kill('SIGKILL')).catch((err: unknown) =>
    assert.fail(`${String(err)}; its output:\n${output}`),
  );
  assert.match(output, /^not ok 1 - starts a child and never closes it$/m, output);
  assert.match(output, /Expected child core-agent-child \(pid \d+\) to have ended by the end of the test that started it/, output);
  assert.equal(code, 1, output);
});
