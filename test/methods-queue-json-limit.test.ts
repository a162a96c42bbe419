/**
 * 'queue-json' keeps every JSON message under a string limit (V8's, 2^29 - 24 characters, in
 * production). With the limit lowered to a few thousand characters: chunks that fit go through
 * (many messages), a chunk size that could exceed it is refused up front with a clear error, and
 * values JSON cannot spell (NaN, Infinity, 64-bit integers) arrive intact.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NdshareError } from '../src/index.js';
import { checksum, createFor, share } from '../src/share/index.js';
import { filledFor, kChildEntry, release, watchdog, type ChildReport } from './helpers/methods.js';

const kLimit = 4_000;

test('queue-json: 10,000 float64 cross a 4,000-character limit in many messages, intact', async () => {
  const array = filledFor('queue-json', 'process', [10_000]);
  const peer = await share(array, { method: 'queue-json', entry: kChildEntry, maxMessageChars: kLimit, chunkBytes: 8 * 100 });
  try {
    const report = (await watchdog(peer.reply(), 'report')) as ChildReport;
    assert.equal(report.checksum, String(checksum(array)));
  } finally {
    await watchdog(peer.close(), 'close');
    release(array);
  }
});

test('queue-json: without chunkBytes the chunk is sized from the limit (and still arrives intact)', async () => {
  const array = filledFor('queue-json', 'process', [5_000]);
  const peer = await share(array, { method: 'queue-json', entry: kChildEntry, maxMessageChars: kLimit });
  try {
    assert.equal(((await watchdog(peer.reply(), 'report')) as ChildReport).checksum, String(checksum(array)));
  } finally {
    await watchdog(peer.close(), 'close');
    release(array);
  }
});

test('queue-json: a chunk that could exceed the limit is ERR_NDSHARE_TOO_LARGE before anything starts', async () => {
  const array = filledFor('queue-json', 'process', [10_000]);
  await assert.rejects(share(array, { method: 'queue-json', entry: kChildEntry, maxMessageChars: kLimit, chunkBytes: 8 * 10_000 }), (err: unknown) => {
    assert.ok(err instanceof NdshareError);
    assert.equal(err.code, 'ERR_NDSHARE_TOO_LARGE');
    assert.match(err.message, /^Expected a JSON message of at most 4000 characters \(V8's string limit\) for method queue-json but a chunk of 10000 float64 elements may take \d+; use chunkBytes <= \d+ or a binary method \(pipe, queue\)$/);
    return true;
  });
  release(array);
});

test('queue-json: NaN, Infinity, -0 and 64-bit integers survive JSON', async () => {
  for (const [dtype, values] of [
    ['float64', [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0.5, 1e308, 5e-324]],
    ['int64', [-(2n ** 63n), 2n ** 63n - 1n, 0n, 9007199254740993n]],
  ] as const) {
    const array = createFor('queue-json', 'process', { dtype, shape: [values.length] });
    (values as ReadonlyArray<number | bigint>).forEach((v, i) => ((array.data as unknown as Array<number | bigint>)[i] = v));
    const peer = await share(array, { method: 'queue-json', entry: kChildEntry, maxMessageChars: kLimit, chunkBytes: 8 });
    try {
      const report = (await watchdog(peer.reply(), 'report')) as ChildReport;
      assert.deepEqual(report.head, values.map(String));
    } finally {
      await watchdog(peer.close(), 'close');
      release(array);
    }
  }
});
