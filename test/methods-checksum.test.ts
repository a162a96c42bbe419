/**
 * Every supported method x kind delivers the array: the child (a real process or worker) reports
 * the shape, dtype and checksum it received, and they match the parent's. Two dtypes: float64 in
 * 2-d, and int64 (bigint elements) in 1-d. Each leaves no fd, no segment of this process and no
 * child behind (close() resolves only once the child has ended).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FdSnapshot } from './helpers/fds.js';
import { ShmSnapshot } from './helpers/shm.js';
import { filledFor, release, roundTrip, supportedPairs } from './helpers/methods.js';

const pairs = supportedPairs();

test('the registry has supported pairs to check (a vacuous loop would prove nothing)', () => {
  assert.equal(pairs.length, 20);
});

for (const { method, kind } of pairs) {
  for (const [dtype, shape] of [['float64', [50, 40]], ['int64', [777]]] as const) {
    test(`${method} to a ${kind}: the child reports ${dtype} (${shape.join(', ')}) and the parent's checksum`, async () => {
      const shm = new ShmSnapshot();
      const fds = new FdSnapshot();
      const array = filledFor(method, kind, shape, dtype);
      try {
        const { report, expected } = await roundTrip(array, method, kind);
        assert.deepEqual(report.shape, shape);
        assert.equal(report.dtype, dtype);
        assert.equal(report.checksum, expected);
        assert.equal(report.method, method);
        assert.equal(report.kind, kind);
      } finally {
        release(array);
      }
      // Only this process's names: other engineers' tests create segments at the same time.
      assert.deepEqual(fds.leaked(), []);
      assert.deepEqual(shm.added().filter((n) => n.startsWith(`ndshare-${process.pid}-`)), []);
    });
  }
}
