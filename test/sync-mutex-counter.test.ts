/**
 * 8 processes x 100,000 read-modify-writes of one float64 cell under one Mutex give exactly
 * 800,000. The negative control runs the same critical section without the lock and loses
 * updates, which shows the first assertion can fail.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Barrier, create, Mutex } from '../src/index.js';
import { SyncPeer } from './helpers/sync-peer.js';
import { ShmSnapshot } from './helpers/shm.js';

const kProcesses = 8;
const kIterations = 100_000;
/** Work between the read and the write, so that unlocked updates overlap often. */
const kSpin = 20;

async function countWith(locked: boolean): Promise<number> {
  const mutex = Mutex.create();
  const cell = create({ dtype: 'float64', shape: [1] });
  const start = Barrier.create(kProcesses);
  const peers = await SyncPeer.group(Array.from({ length: kProcesses }, () => 'process' as const), 120_000);
  try {
    await Promise.all(peers.map((p) => p.ok({ op: 'attach', mutex: mutex.handle })));
    await Promise.all(
      peers.map((p) => p.ok({ op: 'count', array: cell.handle, barrier: start.handle, n: kIterations, locked, spin: kSpin })),
    );
    return cell.data[0] ?? NaN;
  } finally {
    await Promise.all(peers.map((p) => p.close()));
    start.close();
    cell.close();
    mutex.close();
  }
}

test('8 processes x 100,000 locked increments of one float64 cell give exactly 800,000', async () => {
  const shm = new ShmSnapshot();
  assert.equal(await countWith(true), kProcesses * kIterations);
  assert.deepEqual(shm.addedBy(), []);
});

test('negative control: the same increments without the lock lose updates', async () => {
  const total = await countWith(false);
  assert.ok(total < kProcesses * kIterations, `expected lost updates without the lock, got ${total}`);
});
