/**
 * Modes 'r' and 'c': a write through such a view stays in that view. It never reaches the creator
 * or another attacher, and it never crashes the writer (the mapping is private, so there is no
 * SIGSEGV on a read-only page). A thread handle cannot be read-only and says so.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { attach, create, open } from '../src/index.js';
import { Agent } from './helpers/agent.js';
import { FdSnapshot } from './helpers/fds.js';
import { ShmSnapshot } from './helpers/shm.js';

for (const backing of ['shm', 'memfd', 'file'] as const) {
  for (const mode of ['r', 'c'] as const) {
    test(`${backing}, mode '${mode}': a child's write stays in its own view`, async () => {
      const shm = new ShmSnapshot();
      const fds = new FdSnapshot();
      const dir = mkdtempSync(join(tmpdir(), 'ndshare-core-mode-'));
      const a = create({ dtype: 'int32', shape: [2048], backing, fill: 7, ...(backing === 'file' ? { path: join(dir, 'a.npy') } : {}) });
      const agent = await Agent.child();
      try {
        const priv = await agent.attach(a.handle, mode);
        const shared = await agent.attach(a.handle, 'r+');
        assert.equal((await agent.ok({ op: 'describe', id: priv })).info?.mode, mode);
        assert.equal(await agent.get(priv, 0), '7', 'the private view starts with the shared data');
        await agent.put(priv, 0, '-1');
        await agent.put(priv, 2047, '-1');
        assert.equal(await agent.get(priv, 0), '-1', 'the writer sees its own write (and did not crash)');
        assert.equal(a.data[0], 7, 'the creator does not see it');
        assert.equal(a.data[2047], 7, 'the creator does not see it on another page either');
        assert.equal(await agent.get(shared, 0), '7', "another attacher in the same child does not see it");
        // Positive control in the same run: an r+ write does reach the creator.
        await agent.put(shared, 1, '99');
        assert.equal(a.data[1], 99);
      } finally {
        await agent.close();
        a.unlink();
        a.close();
        rmSync(dir, { recursive: true, force: true });
      }
      assert.deepEqual(shm.addedBy(), []);
      assert.deepEqual(fds.leaked(), []);
    });
  }
}

test("open(path, { mode: 'r' }) of a file: writes through the view never reach the file", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-core-mode-'));
  try {
    const a = create({ dtype: 'float64', shape: [10], backing: 'file', path: join(dir, 'x.npy'), fill: 1.5 });
    const r = open(a.path ?? '', { mode: 'r' });
    r.data[3] = 100;
    r.close();
    const again = open(a.path ?? '', { mode: 'r' });
    assert.equal(again.data[3], 1.5);
    assert.equal(a.data[3], 1.5);
    again.close();
    a.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("sab in a worker: 'c' is a private copy, 'r' is refused (a SharedArrayBuffer cannot be read-only)", async () => {
  const a = create({ dtype: 'float32', shape: [16], backing: 'sab', fill: 2 });
  const agent = await Agent.worker();
  try {
    const c = await agent.attach(a.threadHandle, 'c');
    await agent.put(c, 0, '-3');
    assert.equal(await agent.get(c, 0), '-3');
    assert.equal(a.data[0], 2, "the worker's copy-on-write view does not reach the creator");
    const r = await agent.failed({ op: 'attach', handle: a.threadHandle, mode: 'r' });
    assert.equal(r.code, 'ERR_NDSHARE_UNSUPPORTED');
    assert.match(r.message, /^Expected mode 'r\+' or 'c' for a thread handle \(backing 'sab'\) but received 'r'/);
    // And in this thread too.
    assert.throws(() => attach(a.threadHandle, { mode: 'r' }), { code: 'ERR_NDSHARE_UNSUPPORTED' });
  } finally {
    await agent.close();
    a.close();
  }
});
