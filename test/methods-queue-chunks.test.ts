/**
 * 'queue' sends the data in messages of at most `chunkBytes` (in production just under the 2 GiB
 * v8-serializer limit). At reduced scale, chunk sizes that split the array mid-element and leave
 * a short last chunk still deliver every byte, to a process and to a worker.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NdshareError } from '../src/index.js';
import { share } from '../src/share/index.js';
import { filledFor, kChildEntry, release, roundTrip } from './helpers/methods.js';

const kElements = 10_000; // 80,000 bytes of float64

for (const kind of ['process', 'thread'] as const) {
  for (const chunkBytes of [80_000, 8_192, 4_999, 3]) {
    test(`queue to a ${kind}: ${Math.ceil((kElements * 8) / chunkBytes)} message(s) of at most ${chunkBytes} bytes deliver the array`, async () => {
      const array = filledFor('queue', kind, [kElements]);
      try {
        const { report, expected } = await roundTrip(array, 'queue', kind, { chunkBytes });
        assert.equal(report.checksum, expected);
        assert.deepEqual(report.shape, [kElements]);
      } finally {
        release(array);
      }
    });
  }
}

test('queue: a chunk size that is not a positive integer is refused', async () => {
  const array = filledFor('queue', 'process', [4]);
  for (const chunkBytes of [0, -1, 1.5, Number.NaN]) {
    await assert.rejects(share(array, { method: 'queue', entry: kChildEntry, chunkBytes }), (err: unknown) => err instanceof NdshareError && err.code === 'ERR_NDSHARE_INVALID_ARGUMENT');
  }
});
