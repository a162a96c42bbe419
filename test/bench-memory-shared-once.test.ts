/**
 * The benchmark's memory figure counts shared pages once: one process creates a 64 MiB shm
 * segment, it and a second process that attaches it read every page, so both processes' RSS hold
 * the whole segment. The footprint of the two together (src/bench/memory.ts)
 * holds the segment once: at least 64 MiB of shared memory, and at least 60 MiB less than the sum
 * of the two RSS figures, which counts it twice. A private copy of the same size in the second
 * process, by contrast, is counted in full (private memory adds up).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { footprintOf } from '../src/bench/memory.js';
import { Agent } from './helpers/agent.js';
import { ShmSnapshot } from './helpers/shm.js';

const kMiB = 1024;
const kSegmentKiB = 64 * kMiB;

function vmRssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return Number(m?.[1] ?? NaN);
}

test('bench memory: a segment mapped and read by two processes counts once, a private copy counts in full', async () => {
  const shm = new ShmSnapshot();
  const creator = await Agent.child();
  const reader = await Agent.child();
  try {
    const made = await creator.ok({ op: 'create', options: { dtype: 'float64', shape: [(kSegmentKiB * 1024) / 8], backing: 'shm', fill: 1 } });
    // create() writes the ones through the fd: its pages are memory but in nobody's RSS yet.
    // Both processes read every element: every page is now in both RSS figures.
    await creator.ok({ op: 'sha', id: made.ids?.[0] ?? assert.fail('no id') });
    const id = await reader.attach(made.handle);
    await reader.ok({ op: 'sha', id });
    const pids = [creator.process.pid, reader.process.pid];
    const naive = pids.reduce((sum, pid) => sum + vmRssKiB(pid), 0);
    const once = footprintOf(pids);
    assert.ok(once !== null);
    assert.equal(once.pids, 2);
    assert.ok(once.shmemKiB >= kSegmentKiB, `the segment is counted: ${once.shmemKiB} KiB of shared memory`);
    assert.ok(once.shmemKiB < 2 * kSegmentKiB, `the segment is counted once, not twice: ${once.shmemKiB} KiB`);
    assert.ok(naive - once.totalKiB >= kSegmentKiB - 4 * kMiB, `summing RSS (${naive} KiB) counts the segment twice; the footprint (${once.totalKiB} KiB) once`);

    // Private memory of the same size, by contrast, adds up: a SharedArrayBuffer array (this process's own memory) filled in the reader.
    const copy = await reader.ok({ op: 'create', options: { dtype: 'float64', shape: [(kSegmentKiB * 1024) / 8], backing: 'sab', fill: 1 } });
    assert.ok(copy.ids?.[0] !== undefined);
    const withCopy = footprintOf(pids);
    assert.ok(withCopy !== null);
    assert.ok(withCopy.anonKiB - once.anonKiB >= kSegmentKiB - 4 * kMiB, `a private 64 MiB array adds its size: ${once.anonKiB} -> ${withCopy.anonKiB} KiB private`);
  } finally {
    await reader.close();
    await creator.close();
  }
  // By the creator's pid: other suites may create segments meanwhile.
  assert.deepEqual(shm.addedBy(creator.process.pid), []);
});
