/** The checksum children report: the plain sum of the elements, in index order. */
import type { DType, ElementOf } from '../core/dtype.js';
import type { NdArray } from '../core/ndarray.js';

/**
 * Sum of all elements, in index order. For int64 and uint64 a bigint, exact at any size (the
 * true sum: it does not wrap at 2^64 as NumPy's `sum()` of a 64-bit integer array does). For
 * the other dtypes a number, summed in float64: exact while the partial sums of integer-valued
 * data stay below 2^53, so it can be compared with NumPy's.
 *
 * A bigint cannot go through JSON: send it as a decimal string (`String(checksum(a))`).
 */
export function checksum<D extends DType>(array: NdArray<D>): ElementOf<D> {
  const d = array.data;
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) return bigSum(d) as ElementOf<D>;
  const n = d as Float64Array;
  let s = 0;
  for (let i = 0; i < n.length; i++) s += n[i] as number;
  return s as ElementOf<D>;
}

function bigSum(data: BigInt64Array | BigUint64Array): bigint {
  let s = 0n;
  for (let i = 0; i < data.length; i++) s += data[i] as bigint;
  return s;
}
