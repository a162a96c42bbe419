/**
 * A Barrier across 4 processes and 2 worker threads holds for 1,000 rounds: in each round every
 * party writes the round number into its own slot, waits, checks that every slot shows the same
 * round (nobody ran ahead or lagged), and waits again before the next write.
 * Negative control: with one party fewer than the barrier counts, nobody passes (timeout, then
 * the barrier is broken for everyone).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Barrier, create } from '../src/index.js';
import { SyncPeer } from './helpers/sync-peer.js';
import { ShmSnapshot } from './helpers/shm.js';

const kRounds = 1000;

test('barrier across 4 processes and 2 workers holds for 1,000 rounds', async () => {
  const shm = new ShmSnapshot();
  const barrier = Barrier.create(6);
  const slots = create({ dtype: 'int32', shape: [6] });
  const peers = await SyncPeer.group(['process', 'process', 'process', 'process', 'worker', 'worker']);
  try {
    const results = await Promise.all(peers.map((p, index) => p.ok({ op: 'rounds', barrier: barrier.handle, slots: slots.handle, index, rounds: kRounds })));
    for (const r of results) assert.deepEqual(r, { bad: 0, broken: 0 });
    assert.deepEqual([...slots.data], [kRounds, kRounds, kRounds, kRounds, kRounds, kRounds]);
  } finally {
    await Promise.all(peers.map((p) => p.close()));
    slots.close();
    barrier.close();
  }
  assert.deepEqual(shm.addedBy(), []);
});

test('negative control: a missing party holds everyone back; the timeout breaks the barrier', async () => {
  const barrier = Barrier.create(3);
  const slots = create({ dtype: 'int32', shape: [3] });
  const peer = await SyncPeer.process();
  try {
    const waiting = barrier.wait({ timeoutMs: 200 });
    // The peer's own waits use a 60 s timeout: it ends because this side breaks the barrier.
    const peerResult = await peer.ok({ op: 'rounds', barrier: barrier.handle, slots: slots.handle, index: 1, rounds: 1 });
    assert.deepEqual(await waiting, { state: 'timeout', timeoutMs: 200 });
    assert.deepEqual(peerResult, { bad: 0, broken: 1 });
    assert.equal(barrier.broken, true);
    assert.deepEqual(await barrier.wait(), { state: 'broken' });
  } finally {
    await peer.close();
    slots.close();
    barrier.close();
  }
});
