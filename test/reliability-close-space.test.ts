/**
 * Item 10 of "Reliability round 2": close() gives the space back at once when no one else holds
 * the array, without ever unmapping memory a view can still reach. Before, a closed segment's
 * pages stayed until its views were garbage-collected, so in a 64 MiB /dev/shm (Docker's default)
 * a second 40 MiB create after a close failed with ENOSPC. Now the last holder's close() replaces
 * its own mapping with private zero pages: a stale view reads zeros, its writes stay private and
 * never touch the tmpfs (so never SIGBUS), and the object is freed by the kernel.
 * Also: a memfd's memory goes the same way; a file-backed array's view and file are untouched; an
 * array another process still holds keeps sharing; and when the free-space check fails, create()
 * sweeps dead segments at once and checks again instead of waiting for the next due sweep.
 * Runs in a private 64 MiB tmpfs on /dev/shm (unshare -m).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { test } from 'node:test';
import { create, NdshareError, open, type NdArray, type ShmHandle } from '../src/index.js';
import { Agent } from './helpers/agent.js';
import { FixtureChild } from './helpers/child.js';
import type { HolderReply } from './fixtures/reliability-holder.js';
import { assertInnerPassed, inPrivateShm, privateShmUnavailable, runInPrivateShm, shmUsedBytes } from './helpers/private-shm.js';

const MiB = 1 << 20;

/** Mappings of ndshare memfds in this process (a memfd's memory lives while one is mapped). */
function memfdMappings(): number {
  return readFileSync('/proc/self/maps', 'utf8').split('\n').filter((l) => l.includes('/memfd:ndshare')).length;
}

/** Sum of a few elements spread over the whole view (a page each), without reading every byte. */
function sample(view: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < view.length; i += 1 << 16) s += view[i] ?? 0;
  return s + (view[view.length - 1] ?? 0);
}

if (!inPrivateShm()) {
  test('close() frees the space of an array nobody else holds (private 64 MiB /dev/shm)', { skip: privateShmUnavailable() }, async (t) => {
    const r = await runInPrivateShm(import.meta.url, 64);
    assert.equal(r.signal, null, `no SIGBUS or other signal: ${r.output}`);
    assertInnerPassed(r, 5);
    for (const line of r.output.split('\n')) if (line.startsWith('# space')) t.diagnostic(line.slice(2));
  });
} else {
  test('100 rounds of create + close of 40 MiB in a 64 MiB /dev/shm, every stale view kept', () => {
    const stale: Uint8Array[] = [];
    const used: number[] = [];
    const t0 = performance.now();
    for (let round = 0; round < 100; round++) {
      let a: NdArray<'uint8'>;
      try {
        a = create({ dtype: 'uint8', shape: [40 * MiB], fill: 7 });
      } catch (err) {
        assert.fail(`Expected round ${round} to create 40 MiB after the previous close but it failed (${shmUsedBytes() / MiB} MiB still in use): ${err instanceof NdshareError ? `${err.code}: ${err.message}` : String(err)}`);
      }
      const view = a.data;
      assert.equal(view[12345], 7);
      a.close();
      stale.push(view);
      used.push(shmUsedBytes());
    }
    const ms = performance.now() - t0;
    assert.deepEqual(used.filter((u) => u !== 0), [], 'the space is back right after each close()');
    // What a stale view reads: zeros. Its writes land in private memory, never in the tmpfs.
    for (const view of stale) assert.equal(sample(view), 0);
    const last = stale[stale.length - 1] ?? assert.fail('no view');
    last.fill(0xff);
    assert.equal(last[last.length - 1], 0xff);
    assert.equal(shmUsedBytes(), 0, 'a write through a stale view took no tmpfs space');
    assert.deepEqual(readdirSync('/dev/shm'), []);
    console.log(`# space: 100 x (create 40 MiB + close) in 64 MiB, 100 stale views kept: all created, 0 bytes in use after each close, ${(ms / 100).toFixed(1)} ms per round (40 MiB filled)`);
  });

  test('memfd: the closed array is no longer mapped (its memory is freed), its stale views read zeros', () => {
    const before = memfdMappings();
    const stale: Uint8Array[] = [];
    for (let round = 0; round < 20; round++) {
      const a = create({ dtype: 'uint8', shape: [40 * MiB], backing: 'memfd', fill: 3 });
      const view = a.data;
      assert.equal(view[view.length - 1], 3);
      a.close();
      stale.push(view);
    }
    const kept = memfdMappings() - before;
    assert.equal(kept, 0, `Expected no memfd mapping left after 20 closes of 40 MiB but ${kept} remain (${kept * 40} MiB of memory held until GC)`);
    for (const view of stale) assert.equal(sample(view), 0);
    console.log(`# space: memfd, 20 x 40 MiB closed with their views kept: ${kept} mappings left`);
  });

  test("file backing: close() leaves the file's data and a view of it alone", () => {
    const path = '/dev/shm/space-file.npy';
    try {
      const a = create({ dtype: 'uint8', shape: [8 * MiB], backing: 'file', path, fill: 5 });
      const view = a.data;
      a.close();
      assert.equal(sample(view), 5 * (Math.ceil((8 * MiB) / (1 << 16)) + 1), 'the view still reads the file');
      const b = open(path, { mode: 'r' });
      assert.equal(sample(b.data as Uint8Array), sample(view), 'the file on disk kept its data');
      b.close();
    } finally {
      rmSync(path, { force: true });
    }
  });

  test('an array another process still holds is not touched by the creator\'s close()', async () => {
    const agent = await Agent.child();
    try {
      const a = create({ dtype: 'uint8', shape: [8 * MiB], fill: 2 });
      const id = await agent.attach(a.handle);
      const view = a.data;
      a.close();
      assert.equal(await agent.get(id, 8 * MiB - 1), '2', 'the child still reads the data');
      await agent.put(id, 0, '9');
      assert.equal(view[0], 9, "the creator's stale view still shares the memory while the child holds it");
      assert.deepEqual(readdirSync('/dev/shm'), [], "the creator's close removed the name");
    } finally {
      await agent.close();
    }
  });

  test("the free-space check sweeps dead segments at once and checks again (no waiting for the next due sweep)", async () => {
    // Prime this thread's automatic sweep, then stop the clock it reads: no sweep is "due" again.
    create({ dtype: 'uint8', shape: [1] }).close();
    // Earlier tests' stale views of memory someone else held (or of the file) may still hold space.
    const usedBefore = shmUsedBytes();
    const realNow = performance.now;
    const frozen = realNow.call(performance);
    performance.now = () => frozen;
    const holder = new FixtureChild<HolderReply>('reliability-holder', { watchdogMs: 20_000 });
    let b: NdArray | undefined;
    try {
      assert.deepEqual(await holder.next("'ready' ({ ok: true })"), { ok: true });
      const made = await holder.request({ op: 'create', dtype: 'uint8', shape: [40 * MiB], fill: 1 });
      assert.ok(made.ok, JSON.stringify(made));
      const dead = (made.handle as ShmHandle).name;
      holder.kill('SIGKILL');
      assert.equal((await holder.exited).signal, 'SIGKILL');
      assert.deepEqual(readdirSync('/dev/shm'), [dead.slice(1)], 'the killed creator left its 40 MiB segment');
      try {
        b = create({ dtype: 'uint8', shape: [40 * MiB] });
      } catch (err) {
        assert.fail(`Expected create() to reclaim the dead 40 MiB segment and succeed but it failed: ${err instanceof NdshareError ? `${err.code}: ${err.message}` : String(err)}`);
      }
      assert.deepEqual(readdirSync('/dev/shm'), [(b.handle as ShmHandle).name.slice(1)], 'the dead segment was swept');
      b.close();
      assert.ok(shmUsedBytes() <= usedBefore, `the space is back after close (${shmUsedBytes()} bytes in use, ${usedBefore} before)`);
    } finally {
      performance.now = realNow;
      b?.close();
      holder.kill('SIGKILL');
      await holder.close();
    }
  });
}
