/**
 * A non-owner attaches and then exits normally (closing or not) or dies by SIGKILL, 100 times:
 * the owner's segment keeps its name, its contents, and stays attachable. Only the creator
 * unlinks; an attacher's exit handlers and death leave the name alone, and a sweep never takes
 * a segment its owner still holds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, type ShmHandle } from '../src/index.js';
import { sweepSegments } from '../src/core/admin.js';
import { FixtureChild } from './helpers/child.js';
import { ShmSnapshot, shmExists } from './helpers/shm.js';
import type { HolderReply } from './fixtures/reliability-holder.js';

const kRounds = 100;
const kLanes = 2;
type Ending = 'exit after close' | 'exit without close' | 'SIGKILL';
const kEndings: readonly Ending[] = ['exit after close', 'exit without close', 'SIGKILL'];

test(`${kRounds} non-owners attach and exit or die: the owner's segment stays intact and attachable`, async (t) => {
  const shm = new ShmSnapshot();
  const owner = create({ dtype: 'float64', shape: [64, 64] });
  const data = owner.data as Float64Array;
  for (let i = 0; i < data.length; i++) data[i] = i;
  const expected = (data.length * (data.length - 1)) / 2;
  const h = owner.handle as ShmHandle;
  const endings = new Map<Ending, number>();
  let round = 0;
  const lane = async (): Promise<void> => {
    while (round < kRounds) {
      const ending = kEndings[round % kEndings.length] ?? 'SIGKILL';
      const mode = round % 2 === 0 ? 'r+' : 'r';
      round++;
      const child = new FixtureChild<HolderReply>('reliability-holder', { watchdogMs: 30_000 });
      try {
        await child.next();
        const r = await child.request({ op: 'attach', handle: h, mode });
        assert.ok(r.ok && r.sum === expected, `the non-owner saw the owner's data: ${JSON.stringify(r)}`);
        if (ending === 'SIGKILL') child.kill('SIGKILL');
        else if (ending === 'exit after close') await child.request({ op: 'exit' });
        // 'exit without close': disconnecting IPC ends the holder with its array still mapped.
        const exit = await child.close();
        assert.deepEqual(exit, ending === 'SIGKILL' ? { code: null, signal: 'SIGKILL' } : { code: 0, signal: null });
      } finally {
        child.kill('SIGKILL');
        await child.exited;
      }
      endings.set(ending, (endings.get(ending) ?? 0) + 1);
      assert.ok(shmExists(h.name), `the owner's name survived a non-owner's ${ending}`);
      assert.ok(!sweepSegments().removed.includes(h.name), 'a sweep never takes a segment its owner holds');
    }
  };
  try {
    await Promise.all(Array.from({ length: kLanes }, lane));
    let sum = 0;
    for (let i = 0; i < data.length; i++) sum += data[i] ?? NaN;
    assert.equal(sum, expected, "the owner's contents are intact");
    const last = new FixtureChild<HolderReply>('reliability-holder');
    try {
      await last.next();
      const r = await last.request({ op: 'attach', handle: h });
      assert.ok(r.ok && r.sum === expected, 'still attachable after every ending');
    } finally {
      await last.close();
    }
  } finally {
    owner.close();
  }
  t.diagnostic(`endings: ${[...endings].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  assert.deepEqual(shm.addedBy(), [], 'the owner removed its segment on close');
});
