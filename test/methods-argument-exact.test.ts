/**
 * 'argument' to a process writes a small v8-serialized header and then the raw element bytes,
 * which the child reads straight into its array: every dtype (odd shapes) and a payload larger
 * than one 64 MiB write, with an odd length, arrive byte for byte (SHA-256 of random bytes). A
 * worker gets the same through workerData.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DTYPES } from '../src/core/dtype.js';
import { sha } from './helpers/values.js';
import { randomFor, release, shaRoundTrip } from './helpers/methods.js';

for (const kind of ['process', 'thread'] as const) {
  test(`argument to a ${kind}: every dtype arrives byte for byte`, async () => {
    for (const dtype of DTYPES) {
      for (const shape of [[1237], [3, 5, 7], [0]]) {
        const array = randomFor('argument', kind, dtype, shape);
        try {
          const report = await shaRoundTrip(array, 'argument', kind);
          assert.equal(report.sha, sha(array.data), `${dtype} ${JSON.stringify(shape)}`);
          assert.deepEqual(report.shape, shape);
          assert.equal(report.dtype, array.dtype);
        } finally {
          release(array);
        }
      }
    }
  });
}

test('argument to a process: a payload of more than one 64 MiB write, odd in length, arrives byte for byte', async () => {
  const array = randomFor('argument', 'process', 'uint8', [64 * 1024 * 1024 + 12_345]);
  try {
    const report = await shaRoundTrip(array, 'argument', 'process');
    assert.equal(report.sha, sha(array.data));
    assert.deepEqual(report.shape, [64 * 1024 * 1024 + 12_345]);
  } finally {
    release(array);
  }
});
