/**
 * receive({ dtype }) in a child or worker started by share(): an array of another dtype is
 * refused in the child with ERR_NDSHARE_HANDLE_MISMATCH, reported to the parent typed (reply()
 * rejects with it), and what the child received is let go; the expected dtype is received and
 * typed. The child (fixtures/methods-receive-int32.ts) expects int32.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { NdshareError, type DTypeLike } from '../src/index.js';
import { share, type MethodName } from '../src/share/index.js';
import type { Kind } from '../src/methods/types.js';
import { filledFor, release, watchdog } from './helpers/methods.js';
import { ShmSnapshot } from './helpers/shm.js';

const kEntry = fileURLToPath(new URL('./fixtures/methods-receive-int32.js', import.meta.url));

const cases: ReadonlyArray<{ method: MethodName; kind: Kind; dtype: DTypeLike }> = [
  { method: 'shm', kind: 'process', dtype: 'float64' },
  { method: 'shm', kind: 'thread', dtype: 'float64' },
  { method: 'pipe', kind: 'process', dtype: '<i8' },
  { method: 'manager', kind: 'process', dtype: 'uint32' },
];

for (const c of cases) {
  test(`${c.method}/${c.kind}: a ${c.dtype} array to receive({ dtype: 'int32' }) rejects reply() with ERR_NDSHARE_HANDLE_MISMATCH`, async () => {
    const shm = new ShmSnapshot();
    const array = filledFor(c.method, c.kind, [6], c.dtype);
    const peer = await share(array, { method: c.method, kind: c.kind, entry: kEntry });
    try {
      await assert.rejects(watchdog(peer.reply(), 'reply'), (err: unknown) => {
        assert.ok(err instanceof NdshareError, String(err));
        assert.equal(err.code, 'ERR_NDSHARE_HANDLE_MISMATCH', err.message);
        assert.match(err.message, new RegExp(`Expected dtype int32 \\(options\\.dtype\\) for the array shared by '${c.method}' but it holds ${array.dtype}; `));
        return true;
      });
    } finally {
      await watchdog(peer.close(), 'close');
      release(array);
    }
    assert.deepEqual(shm.addedBy(), []);
  });
}

for (const kind of ['process', 'thread'] as const) {
  test(`control, shm/${kind}: an int32 array is received and summed`, async () => {
    const array = filledFor('shm', kind, [6], 'int32');
    const peer = await share(array, { method: 'shm', kind, entry: kEntry });
    try {
      assert.equal(await watchdog(peer.reply(), 'reply'), 0 + 1 + 2 + 3 + 4 + 5);
    } finally {
      await watchdog(peer.close(), 'close');
      release(array);
    }
  });
}
