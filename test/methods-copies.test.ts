/**
 * The "copies?" column, proven: after the child writes a marker at element 0, the parent sees it
 * exactly for the methods marked as not copying (through the manager's proxy for 'manager'); for
 * 'transfer' the parent's buffer is detached instead.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create } from '../src/index.js';
import { filledFor, kMarker, release, roundTrip, supportedPairs } from './helpers/methods.js';

for (const { method, kind, copies } of supportedPairs()) {
  const expectation = method === 'transfer' ? 'the parent buffer is detached' : copies ? 'the parent does not see the write (a copy)' : 'the parent sees the write (shared)';
  test(`${method} to a ${kind}: ${expectation}`, async () => {
    const array = filledFor(method, kind, [64]);
    try {
      const { seen } = await roundTrip(array, method, kind);
      if (method === 'transfer') assert.equal(seen, 'detached');
      else if (copies) assert.equal(seen, 0);
      else assert.equal(seen, kMarker);
    } finally {
      release(array);
    }
  });
}

// A copying method must copy even when the array lives in shared memory: a SharedArrayBuffer
// view posted or cloned as-is would be shared, not copied.
for (const [method, kind, backing] of [
  ['pipe', 'process', 'shm'],
  ['queue', 'process', 'shm'],
  ['argument', 'process', 'memfd'],
  ['queue', 'thread', 'sab'],
  ['argument', 'thread', 'sab'],
  ['manager', 'thread', 'shm'],
] as const) {
  test(`${method} to a ${kind} copies an array on '${backing}' too`, async () => {
    const array = create({ dtype: 'float64', shape: [64], backing, fill: 7 });
    try {
      const { report, seen } = await roundTrip(array, method, kind);
      assert.equal(report.checksum, String(7 * 64));
      assert.equal(seen, method === 'manager' ? kMarker : 7);
      assert.equal(array.data[0], 7);
    } finally {
      array.close();
    }
  });
}
