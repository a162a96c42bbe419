/**
 * checksum() is exact for 64-bit integers: a bigint (its type says so), the true sum (no float
 * rounding, no wrap at 2^64), and it crosses a JSON channel intact as decimal text. Other dtypes
 * keep their float64 sum, as a number.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create } from '../src/index.js';
import { checksum, createFor } from '../src/share/index.js';
import { release, roundTrip } from './helpers/methods.js';

const k2p60 = 2n ** 60n;

test('int64: two elements of 2^60 + 1 sum to 2305843009213693954n exactly, as a bigint', () => {
  const a = create({ dtype: 'int64', shape: [2], backing: 'heap', fill: k2p60 + 1n });
  const sum: bigint = checksum(a); // compiles only if the type says bigint for int64
  assert.equal(typeof sum, 'bigint');
  assert.equal(sum, 2305843009213693954n);
  // Control: the number the old checksum returned is a different value.
  assert.notEqual(Number(sum).toString(), sum.toString());
  a.data[0] = -(2n ** 63n);
  a.data[1] = -(2n ** 63n);
  assert.equal(checksum(a), -(2n ** 64n), 'two of the smallest int64 sum below the int64 range, exactly');
  a.close();
});

test('uint64 near 2^64: the true sum, not wrapped as a 64-bit sum would be', () => {
  const a = create({ dtype: 'uint64', shape: [3], backing: 'heap' });
  a.data.set([2n ** 64n - 1n, 2n ** 64n - 2n, 5n]);
  const sum: bigint = checksum(a);
  assert.equal(sum, 2n ** 65n + 2n);
  a.close();
});

test('float64 and the other dtypes: a number, summed in index order as before', () => {
  const f = create({ dtype: 'float64', shape: [3], backing: 'heap' });
  f.data.set([0.1, 0.2, 3]);
  const sum: number = checksum(f); // compiles only if the type says number for float64
  assert.equal(typeof sum, 'number');
  assert.equal(sum, 0.1 + 0.2 + 3);
  f.close();
  const i = create({ dtype: 'int32', shape: [4], backing: 'heap', fill: -7 });
  const small: number = checksum(i);
  assert.equal(small, -28);
  i.close();
});

test('a 64-bit checksum crosses a JSON channel (queue-json to a process) intact, as decimal text', async () => {
  const array = createFor('queue-json', 'process', { dtype: 'int64', shape: [2], fill: k2p60 + 1n });
  try {
    const { report, expected } = await roundTrip(array, 'queue-json', 'process');
    assert.equal(expected, '2305843009213693954');
    assert.equal(report.checksum, expected);
  } finally {
    release(array);
  }
});
