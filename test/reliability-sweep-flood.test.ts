/**
 * Another user floods /dev/shm with 50,000 names that look like ndshare segments. create() runs an
 * automatic sweep, which must stay bounded whatever /dev/shm holds (a small time budget, resumed
 * by the next sweep) and must skip another user's names cheaply (one lstat, never an open). The
 * first create() of a fresh thread always sweeps, so the test times the first create() of the
 * process and of 10 fresh workers. The explicit sweep still walks everything: it removes our own
 * dead segment planted after the flood and leaves the other user's names alone.
 * Private /dev/shm (64 MiB tmpfs), as root (to chown the flood to nobody).
 */
import assert from 'node:assert/strict';
import { closeSync, constants, existsSync, fchownSync, openSync, readdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { create, sweepSegments } from '../src/index.js';
import { FixtureWorker } from './helpers/worker.js';
import { assertInnerPassed, inPrivateShm, privateShmUnavailable, runInPrivateShm } from './helpers/private-shm.js';

const kFlood = 50_000;
const kWorkers = 10;
const kNobody = 65534;
/** Generous: the budget is a few ms; this only catches a sweep that walks the whole flood. */
const kMaxCreateMs = 100;

function plantFlood(): void {
  for (let i = 0; i < kFlood; i++) {
    const fd = openSync(`/dev/shm/ndshare-${100_000 + i}-${randomBytes(16).toString('hex')}`, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
    fchownSync(fd, kNobody, kNobody);
    closeSync(fd);
  }
}

/** The first create() time of `n` fresh workers, one after the other. */
async function firstCreateTimes(n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const w = new FixtureWorker<{ ms: number }>('reliability-sweep-create');
    try {
      times.push((await w.next('its create() time')).ms);
    } finally {
      await w.close();
    }
  }
  return times;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;

test('create() stays fast with 50,000 ndshare-like names of another user in /dev/shm', { skip: privateShmUnavailable() }, async (t) => {
  if (!inPrivateShm()) {
    const r = await runInPrivateShm(import.meta.url, 64);
    for (const line of r.output.split('\n')) if (line.startsWith('# flood')) t.diagnostic(line.slice(2));
    assertInnerPassed(r, 1);
    return;
  }
  const baseline = await firstCreateTimes(3);
  plantFlood();
  // Our own dead segment (nobody holds its liveness lock), planted after the flood.
  const ours = `ndshare-1-${randomBytes(16).toString('hex')}`;
  writeFileSync(`/dev/shm/${ours}`, '', { mode: 0o600 });

  let started = performance.now();
  create({ dtype: 'uint8', shape: [1] }).close();
  const times = [performance.now() - started, ...(await firstCreateTimes(kWorkers))];
  t.diagnostic(`flood of ${kFlood}: first create() of a thread (main + ${kWorkers} workers), ms: median ${median(times).toFixed(2)}, max ${Math.max(...times).toFixed(2)} [${times.map((x) => x.toFixed(1)).join(', ')}]`);
  t.diagnostic(`flood of ${kFlood}: baseline before the flood (3 workers), ms: [${baseline.map((x) => x.toFixed(1)).join(', ')}]`);

  // The automatic sweeps each looked at a few ms worth of names from the start of the directory;
  // ours comes after the flood, so normally they never reached it.
  const reachedByAuto = !existsSync(`/dev/shm/${ours}`);
  started = performance.now();
  const removed = sweepSegments().removed;
  const sweepMs = performance.now() - started;
  const left = readdirSync('/dev/shm').filter((n) => n.startsWith('ndshare-')).length;
  t.diagnostic(`flood of ${kFlood}: explicit sweep ${sweepMs.toFixed(0)} ms, removed ${removed.length}, ${left} names left; our dead segment ${reachedByAuto ? 'was already reclaimed by an automatic sweep' : 'was left to the explicit sweep'}`);

  assert.ok(Math.max(...times) < kMaxCreateMs, `every create() within ${kMaxCreateMs} ms whatever /dev/shm holds; took [${times.map((x) => x.toFixed(1)).join(', ')}] ms`);
  assert.deepEqual(removed, reachedByAuto ? [] : [`/${ours}`], 'the explicit sweep walks everything: it finds our dead segment behind the flood, and only it');
  assert.equal(existsSync(`/dev/shm/${ours}`), false, 'our dead segment is gone');
  assert.equal(left, kFlood, "the other user's names are left alone");
});
