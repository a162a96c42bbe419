/**
 * The manager proxy's calls (shape, dtype, sum, get, set, slice read and write) against the
 * server's array, seen the same from the parent and a child; a bad call raises the server's typed
 * error and leaves the proxy usable.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NdshareError } from '../src/index.js';
import { share, type ManagerClient } from '../src/share/index.js';
import { filledFor, kChildEntry, kMarker, release, watchdog, type ChildReport } from './helpers/methods.js';

test('manager proxy: every call, and server errors arrive typed', async () => {
  const array = filledFor('manager', 'process', [3, 4], 'int64');
  const peer = await share(array, { method: 'manager', kind: 'process', entry: kChildEntry });
  const proxy = peer.proxy as ManagerClient;
  try {
    const report = (await watchdog(peer.reply(), 'report')) as ChildReport;
    assert.deepEqual(report.shape, [3, 4]);
    await watchdog(peer.reply(), 'write');
    assert.equal(proxy.dtype, 'int64');
    assert.deepEqual(proxy.shape, [3, 4]);
    assert.equal(proxy.size, 12);
    // The child's write reached the server's array; the parent's own array is not the server's.
    assert.equal(await proxy.get(0), BigInt(kMarker));
    assert.equal(array.data[0], 0n);
    assert.equal(await proxy.get([2, 3]), 11n);
    await proxy.set([1, 0], -5n);
    assert.equal(await proxy.get(4), -5n);
    assert.deepEqual([...(await proxy.read(3, 6))], [3n, -5n, 5n]);
    await proxy.write(8, BigInt64Array.of(100n, 200n));
    assert.deepEqual([...(await proxy.read())], [BigInt(kMarker), 1n, 2n, 3n, -5n, 5n, 6n, 7n, 100n, 200n, 10n, 11n]);
    assert.equal(await proxy.sum(), BigInt(kMarker) + 1n + 2n + 3n - 5n + 5n + 6n + 7n + 100n + 200n + 10n + 11n);

    await assert.rejects(proxy.get(12), (err: unknown) => {
      assert.ok(err instanceof NdshareError);
      assert.equal(err.code, 'ERR_NDSHARE_INVALID_ARGUMENT');
      assert.equal(err.message, 'Manager server: Expected an integer index in [0, 12) for get but received 12');
      return true;
    });
    await assert.rejects(proxy.write(11, BigInt64Array.of(1n, 2n)), { code: 'ERR_NDSHARE_INVALID_ARGUMENT' });
    await assert.rejects(proxy.read(5, 2), { code: 'ERR_NDSHARE_INVALID_ARGUMENT' });
    // A client-side type error never reaches the server.
    await assert.rejects(proxy.write(0, Float64Array.of(1)), { code: 'ERR_NDSHARE_INVALID_ARGUMENT' });
    // Still usable after errors.
    assert.equal(await proxy.get(11), 11n);
  } finally {
    await watchdog(peer.close(), 'close');
    release(array);
  }
});
