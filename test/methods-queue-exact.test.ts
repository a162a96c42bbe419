/**
 * 'queue' to a process sends the bytes as many small IPC messages: every dtype, with odd element
 * counts and chunk sizes that split elements (and the default chunk size, with a short last
 * chunk), arrives byte for byte (SHA-256 of random bytes), to a process and to a worker.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DTYPES } from '../src/core/dtype.js';
import { sha } from './helpers/values.js';
import { randomFor, release, shaRoundTrip } from './helpers/methods.js';

for (const kind of ['process', 'thread'] as const) {
  test(`queue to a ${kind}: every dtype arrives byte for byte across odd chunk boundaries`, async () => {
    for (const dtype of DTYPES) {
      for (const [shape, chunkBytes] of [
        [[1237], 7],
        [[3, 5, 7], 4099],
      ] as const) {
        const array = randomFor('queue', kind, dtype, shape);
        try {
          const report = await shaRoundTrip(array, 'queue', kind, { chunkBytes });
          assert.equal(report.sha, sha(array.data), `${dtype} ${JSON.stringify(shape)} in chunks of ${chunkBytes} bytes`);
          assert.deepEqual(report.shape, shape);
          assert.equal(report.dtype, array.dtype);
        } finally {
          release(array);
        }
      }
    }
  });
}

test('queue to a process: with the default chunk size, an array of many chunks and a short last one arrives byte for byte', async () => {
  // 2,621,447 float64 = 20,971,576 bytes: 80 default chunks of 256 KiB and 56 bytes more.
  const array = randomFor('queue', 'process', 'float64', [2_621_447]);
  try {
    const report = await shaRoundTrip(array, 'queue', 'process');
    assert.equal(report.sha, sha(array.data));
  } finally {
    release(array);
  }
});
