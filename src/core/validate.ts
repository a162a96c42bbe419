/** Argument checks shared by create, attach and open. Each throws the standard message. */
import { invalid } from '../errors.js';
import type { DTypeInfo } from './dtype.js';
import { kMaxTypedArrayLength } from './layout.js';
import { NdshareError } from '../errors.js';

/** How an attached or opened array maps its memory. */
export type Mode = 'r+' | 'r' | 'c';
export const MODES: readonly Mode[] = ['r+', 'r', 'c'];

/** Memory layout of a multi-dimensional array. */
export type Order = 'C' | 'F';

export function checkShape(value: unknown, what = 'shape'): number[] {
  if (typeof value === 'number') value = [value];
  if (!Array.isArray(value)) return invalid('ERR_NDSHARE_INVALID_SHAPE', 'an array of non-negative integers', what, value);
  if (value.length > 64) return invalid('ERR_NDSHARE_INVALID_SHAPE', 'at most 64 dimensions', what, value);
  const out: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const d: unknown = value[i];
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      return invalid('ERR_NDSHARE_INVALID_SHAPE', 'a non-negative integer', `${what}[${i}]`, d);
    }
    out.push(d);
  }
  return out;
}

export function checkMode(value: unknown, what = 'options.mode'): Mode {
  if (value === undefined) return 'r+';
  if (typeof value === 'string' && (MODES as readonly string[]).includes(value)) return value as Mode;
  return invalid('ERR_NDSHARE_INVALID_ARGUMENT', "one of 'r+', 'r', 'c'", what, value);
}

export function checkOptions(value: unknown, what: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'an options object', what, value);
  }
  return value as Record<string, unknown>;
}

/**
 * Element count and byte size: the one place they are computed (create, attach, .npy headers,
 * handles, messages from a peer). Refused with ERR_NDSHARE_TOO_LARGE, before anything is
 * allocated, when V8 could not view that many elements (an overflowing shape included).
 */
export function sizeOf(shape: readonly number[], info: Pick<DTypeInfo, 'itemsize'>, what = 'shape'): { size: number; nbytes: number } {
  let size = 1;
  for (const d of shape) size *= d;
  if (!Number.isSafeInteger(size) || size > kMaxTypedArrayLength) {
    throw new NdshareError(
      'ERR_NDSHARE_TOO_LARGE',
      `Expected at most ${kMaxTypedArrayLength} elements (V8's TypedArray limit) for ${what} but received (${shape.join(', ')}) = ${size} elements`,
    );
  }
  return { size, nbytes: size * info.itemsize };
}

/**
 * Element offset of an n-d index, each component checked against `shape`; `steps` are element
 * strides per dimension (`stridesOf(...)` / itemsize). The one n-d index flattener.
 */
export function offsetOf(index: readonly unknown[], shape: readonly number[], steps: readonly number[], what: string): number {
  if (index.length !== shape.length) invalid('ERR_NDSHARE_INVALID_ARGUMENT', `an index or ${shape.length} indexes`, what, index);
  let offset = 0;
  for (let d = 0; d < index.length; d++) {
    const v: unknown = index[d];
    const n = shape[d] ?? 0;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= n) invalid('ERR_NDSHARE_INVALID_ARGUMENT', `an integer in [0, ${n})`, `${what}[${d}]`, v);
    offset += v * (steps[d] ?? 0);
  }
  return offset;
}

/** Byte strides, as NumPy reports them. */
export function stridesOf(shape: readonly number[], itemsize: number, order: Order): number[] {
  const strides = new Array<number>(shape.length).fill(0);
  let step = itemsize;
  const dims = shape.map((_, i) => i);
  if (order === 'C') dims.reverse();
  for (const i of dims) {
    strides[i] = step;
    step *= shape[i] ?? 1;
  }
  return strides;
}

/** Checks a fill value against the dtype: bigint for 64-bit integers, number or boolean otherwise. */
export function checkFill(value: unknown, info: DTypeInfo): number | bigint | undefined {
  if (value === undefined) return undefined;
  if (info.bigint) {
    if (typeof value === 'bigint') return value;
    if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
    return invalid('ERR_NDSHARE_INVALID_ARGUMENT', `a bigint (or safe integer) for dtype ${info.name}`, 'options.fill', value);
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  // NumPy reads any non-zero byte as True but compares bytes: store bool as exactly 0 or 1.
  if (typeof value === 'number' && info.name === 'bool') return value !== 0 && !Number.isNaN(value) ? 1 : 0;
  if (typeof value === 'number') return value;
  return invalid('ERR_NDSHARE_INVALID_ARGUMENT', `a number for dtype ${info.name}`, 'options.fill', value);
}
