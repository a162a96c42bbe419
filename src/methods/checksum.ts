/** The checksum children report: the plain sum of the elements, in index order. */
import type { NdArray } from '../core/ndarray.js';

/**
 * Sum of all elements as a number (64-bit integers are summed exactly as bigint, then converted).
 * With integer-valued data below 2^53 the result is exact, so it can be compared with NumPy's.
 */
export function checksum(array: NdArray): number {
  const d = array.data;
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) return Number(bigSum(d));
  const n = d as Float64Array;
  let s = 0;
  for (let i = 0; i < n.length; i++) s += n[i] as number;
  return s;
}

/** @internal The exact sum of 64-bit integer elements (the manager server reports it as text). */
export function bigSum(data: BigInt64Array | BigUint64Array): bigint {
  let s = 0n;
  for (let i = 0; i < data.length; i++) s += data[i] as bigint;
  return s;
}
