/**
 * share({ build }, { method: 'manager' }): the server creates the array itself (the study's
 * Manager runs `ones` in its server), so nothing is copied. For every dtype its content is what
 * create() makes locally with the same fill (SHA-256 of the bytes, read by a child process and a
 * worker through their proxies), calls made while the server still fills a large array wait for
 * it, and a build description is checked before anything starts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, DTYPES } from '../src/index.js';
import { share, type ManagerClient } from '../src/share/index.js';
import { kSample } from './helpers/values.js';
import { sha } from './helpers/values.js';
import { kShaChildEntry, watchdog } from './helpers/methods.js';
import type { ShaReport } from './fixtures/methods-sha-child.js';
import { rejectsNdshare } from './helpers/errors.js';

const fillOf = (dtype: (typeof DTYPES)[number]): number | bigint | boolean => {
  const text = kSample[dtype][0];
  if (dtype === 'bool') return true;
  return dtype === 'int64' || dtype === 'uint64' ? BigInt(text) : Number(text);
};

for (const kind of ['process', 'thread'] as const) {
  test(`manager to a ${kind}: the server builds every dtype with the fill create() would use`, async () => {
    for (const dtype of DTYPES) {
      const fill = fillOf(dtype);
      const local = create({ dtype, shape: [3, 5, 7], backing: 'heap', fill });
      try {
        const peer = await share({ build: { dtype, shape: [3, 5, 7], fill } }, { method: 'manager', kind, entry: kShaChildEntry });
        try {
          const report = (await watchdog(peer.reply(), `the ${dtype} SHA report`)) as ShaReport;
          assert.equal(report.sha, sha(local.data), `${dtype} filled with ${String(fill)}`);
          assert.deepEqual(report.shape, [3, 5, 7]);
          assert.equal(report.dtype, dtype);
          assert.equal((peer.proxy as ManagerClient).dtype, dtype);
        } finally {
          await watchdog(peer.close(), 'peer.close()');
        }
      } finally {
        local.close();
      }
    }
  });
}

test('manager build: calls made while the server fills a large array wait for the fill; no fill means zeros', async () => {
  // 40 MB: several fill slices, so the first call usually arrives mid-fill.
  const n = 5_000_003;
  const peer = await share({ build: { dtype: 'float64', shape: [n], fill: 2 } }, { method: 'manager', entry: kShaChildEntry });
  try {
    const proxy = peer.proxy as ManagerClient;
    const [sum, last] = await watchdog(Promise.all([proxy.sum(), proxy.get(n - 1)]), 'sum and get during the build');
    assert.equal(sum, 2 * n);
    assert.equal(last, 2);
    await watchdog(peer.reply(), 'the SHA report');
  } finally {
    await watchdog(peer.close(), 'peer.close()');
  }
  const zeros = await share({ build: { dtype: 'int32', shape: [4] } }, { method: 'manager', entry: kShaChildEntry });
  try {
    assert.deepEqual([...(await watchdog((zeros.proxy as ManagerClient).read(), 'read'))], [0, 0, 0, 0]);
    await watchdog(zeros.reply(), 'the SHA report');
  } finally {
    await watchdog(zeros.close(), 'peer.close()');
  }
});

test('share({ build }): other methods refuse it, and a bad description fails before anything starts', async () => {
  await rejectsNdshare(share({ build: { dtype: 'float64', shape: [4] } }, { method: 'pipe', entry: kShaChildEntry }), 'ERR_NDSHARE_UNSUPPORTED');
  await rejectsNdshare(share({ build: { dtype: 'float128' as 'float64', shape: [4] } }, { method: 'manager', entry: kShaChildEntry }), 'ERR_NDSHARE_INVALID_DTYPE');
  await rejectsNdshare(share({ build: { dtype: 'float64', shape: [-1] } }, { method: 'manager', entry: kShaChildEntry }), 'ERR_NDSHARE_INVALID_SHAPE');
  await rejectsNdshare(share({ build: { dtype: 'uint8', shape: [4], fill: 300 } }, { method: 'manager', entry: kShaChildEntry }), 'ERR_NDSHARE_INVALID_ARGUMENT');
  await rejectsNdshare(share({ build: { dtype: 'uint8', shape: [4], extra: 1 } as never }, { method: 'manager', entry: kShaChildEntry }), 'ERR_NDSHARE_INVALID_ARGUMENT');
  await rejectsNdshare(share({ nothing: true } as never, { method: 'manager', entry: kShaChildEntry }), 'ERR_NDSHARE_INVALID_ARGUMENT');
});
