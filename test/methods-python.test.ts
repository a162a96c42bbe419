/**
 * A python3 + NumPy child receives the array by shm, mmap, inherit (the memfd fd, opened as
 * /proc/self/fd/N) and raw (/proc/<parent>/fd/N) through share({ command }), maps it with
 * np.load(mmap_mode='r+'), reports a checksum that matches, and its write reaches the parent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filledFor, kMarker, kPythonChild, release, roundTrip } from './helpers/methods.js';

for (const method of ['shm', 'mmap', 'inherit', 'raw'] as const) {
  test(`${method}: a NumPy child reports the parent's checksum and its write is shared`, async () => {
    const array = filledFor(method, 'process', [30, 70]);
    try {
      const { report, expected, seen } = await roundTrip(array, method, 'process', { command: 'python3', args: [kPythonChild] });
      assert.deepEqual(report.shape, [30, 70]);
      assert.equal(report.dtype, 'float64');
      assert.equal(report.checksum, expected);
      assert.equal(seen, kMarker);
    } finally {
      release(array);
    }
  });
}
