/**
 * Crash-safe lifetime: liveness comes from kernel-released OFD locks, not PIDs. A segment whose
 * creator was SIGKILLed stays while anyone still holds it, and goes (by sweep, or by the next
 * create anywhere) once nobody does. An attacher racing a sweeper fails cleanly with ENOENT.
 * Runs in a private /dev/shm so that no other suite's create() sweeps our dead segments first.
 */
import assert from 'node:assert/strict';
import fs, { constants, existsSync, openSync, closeSync, readdirSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { test } from 'node:test';
import { attach, NdshareError, type ShmHandle } from '../src/index.js';
import { native } from '../src/core/native.js';
import { kLivenessLockLength, kLivenessLockStart } from '../src/core/layout.js';
import { listSegments, sweepSegments } from '../src/core/admin.js';
import { FixtureChild } from './helpers/child.js';
import type { HolderReply, HolderRequest } from './fixtures/reliability-holder.js';
import { assertInnerPassed, inPrivateShm, privateShmUnavailable, runInPrivateShm } from './helpers/private-shm.js';

type Holder = FixtureChild<HolderReply>;

async function holder(): Promise<Holder> {
  const c = new FixtureChild<HolderReply>('reliability-holder', { watchdogMs: 20_000 });
  assert.deepEqual(await c.next("'ready' ({ ok: true })"), { ok: true });
  return c;
}

async function ask(c: Holder, m: HolderRequest): Promise<HolderReply & { ok: true }> {
  const r = await c.request(m);
  if (!r.ok) assert.fail(`holder ${c.pid} failed ${m.op}: ${r.code} ${r.message}`);
  return r;
}

async function killed(c: Holder): Promise<void> {
  c.kill('SIGKILL');
  assert.equal((await c.exited).signal, 'SIGKILL');
}

const exists = (h: ShmHandle) => existsSync(`/dev/shm${h.name}`);
const stateOf = (h: ShmHandle) => listSegments().find((s) => s.name === h.name)?.liveness;

if (!inPrivateShm()) {
  test('segment lifetime follows liveness locks (private /dev/shm)', { skip: privateShmUnavailable() }, async () => {
    const r = await runInPrivateShm(import.meta.url, 64);
    assertInnerPassed(r, 3);
  });
} else {
  test('a segment whose creator was SIGKILLed survives sweeps and creates while an attacher holds it', async () => {
    const creator = await holder();
    const attacher = await holder();
    const later: Holder[] = [];
    try {
      const made = await ask(creator, { op: 'create', dtype: 'float64', shape: [1000], fill: 2 });
      const h = made.handle as ShmHandle;
      assert.equal((await ask(attacher, { op: 'attach', handle: h })).sum, 2000);
      await killed(creator);
      // SIGKILL runs no exit handler: the name is still there, and the attacher still holds it.
      assert.ok(exists(h));
      assert.equal(stateOf(h), 'live');
      assert.deepEqual(sweepSegments().removed, []);
      const fresh = await holder();
      later.push(fresh);
      await ask(fresh, { op: 'create', dtype: 'uint8', shape: [10] }); // runs the automatic sweep
      assert.ok(exists(h), 'a create elsewhere did not reclaim a segment someone holds');
      assert.equal((await ask(attacher, { op: 'attach', handle: h })).sum, 2000, 'its memory is intact');
      // Once the last holder exits, the segment is dead and the next create anywhere reclaims it.
      await ask(attacher, { op: 'exit' });
      await attacher.exited;
      assert.equal(stateOf(h), 'dead');
      const next = await holder();
      later.push(next);
      await ask(next, { op: 'create', dtype: 'uint8', shape: [10] });
      assert.ok(!exists(h), 'the next create reclaimed the dead segment');
    } finally {
      for (const c of [creator, attacher, ...later]) await c.close();
    }
    assert.deepEqual(readdirSync('/dev/shm'), []);
  });

  test('an attacher racing a sweeper gets ENOENT, and a revived segment is live again', async () => {
    const creator = await holder();
    const attacher = await holder();
    try {
      const h = (await ask(creator, { op: 'create', dtype: 'int32', shape: [4, 4], fill: 7 })).handle as ShmHandle;
      await killed(creator);
      assert.equal(stateOf(h), 'dead');
      // Hold the lock exactly as a sweeper does between deciding and unlinking.
      const fd = openSync(`/dev/shm${h.name}`, constants.O_RDWR);
      try {
        assert.equal(native().ofdLock(fd, 2, kLivenessLockStart, kLivenessLockLength, false), true);
        const r = await attacher.request({ op: 'attach', handle: h });
        assert.equal(r.ok, false);
        assert.equal(!r.ok && r.code, 'ENOENT');
      } finally {
        closeSync(fd);
      }
      // Nobody removed it after all: attaching now works and makes it live, so sweep keeps it.
      assert.equal((await ask(attacher, { op: 'attach', handle: h })).sum, 7 * 16);
      assert.equal(stateOf(h), 'live');
      assert.deepEqual(sweepSegments().removed, []);
      // close() alone would not do: the mapping keeps the open file description, and with it the
      // lock, until the views are garbage-collected. Exiting ends the mapping for sure.
      await ask(attacher, { op: 'exit' });
      await attacher.exited;
      assert.deepEqual(sweepSegments().removed, [h.name]);
    } finally {
      await creator.close();
      await attacher.close();
    }
    assert.deepEqual(readdirSync('/dev/shm'), []);
  });

  test('an attacher whose segment a sweeper reclaims between its open and its lock gets ENOENT', async () => {
    const creator = await holder();
    // A holder left running would keep this (inner) run from ever ending.
    const made = await ask(creator, { op: 'create', dtype: 'uint8', shape: [5], fill: 1 }).catch(async (err: unknown) => {
      await creator.close();
      throw err;
    });
    const h = made.handle as ShmHandle;
    await killed(creator);
    // attach() looks (lstat), opens, then fstats, then locks: hook its first fstat (the one after
    // the open) to let a sweeper run between the open and the lock.
    const realFstat = fs.fstatSync;
    let swept: string[] | undefined;
    let calls = 0;
    fs.fstatSync = ((...args: Parameters<typeof realFstat>) => {
      if (++calls === 1 && swept === undefined) {
        swept = [];
        fs.fstatSync = realFstat;
        syncBuiltinESMExports();
        swept = [...sweepSegments().removed];
      }
      return realFstat(...args);
    }) as typeof realFstat;
    syncBuiltinESMExports();
    try {
      assert.throws(() => attach(h), (err: unknown) => err instanceof NdshareError && err.code === 'ENOENT' && /removed/.test(err.message));
    } finally {
      fs.fstatSync = realFstat;
      syncBuiltinESMExports();
    }
    assert.deepEqual(swept, [h.name], 'the sweeper ran inside attach and reclaimed the dead segment');
    assert.deepEqual(readdirSync('/dev/shm'), []);
  });
}
