/** Argument checks shared by the public API (options objects, shapes, fills, indexes). Each throws the standard message. */
import { describe, invalid, NdshareError, quoted } from '../errors.js';
import type { DTypeInfo } from './dtype.js';
import { kMaxTypedArrayLength } from './layout.js';

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

/**
 * The option names of an options interface as a runtime list. The compiler checks the list against
 * the interface (every name present, none extra), so a new option cannot be forgotten here:
 * `optionNames<AttachOptions>({ mode: true })`.
 */
export function optionNames<T extends object>(names: { readonly [K in keyof T]-?: true }): readonly string[] {
  return Object.freeze(Object.keys(names));
}

/**
 * Checks that `value` is an options object (or undefined, read as `{}`) whose own names are all in
 * `known`: a misspelt option (`{ fil: 1 }`) is refused rather than ignored. A name whose value is
 * undefined counts as absent, as it does for every option.
 */
export function checkOptions(value: unknown, what: string, known: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'an options object', what, value);
  }
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (known.includes(key) || o[key] === undefined) continue;
    const near = closestName(key, known);
    throw new NdshareError(
      'ERR_NDSHARE_INVALID_ARGUMENT',
      `Expected only the options ${known.length > 0 ? known.join(', ') : '(none)'} for ${what} but received the unknown option ${quoted(key)}${near ? `; did you mean '${near}'?` : ''}`,
    );
  }
  return o;
}

/** The known name a typo most likely meant: same letters in another case, or at most 2 edits away. */
function closestName(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of known) {
    const d = name.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, name, bestDistance);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

/** Levenshtein distance, or `limit` once it is certain to reach it (option names are short). */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit || a.length > 64) return limit;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    prev = row;
  }
  return Math.min(prev[b.length] ?? limit, limit);
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
  if (index.length !== shape.length) invalid('ERR_NDSHARE_INVALID_ARGUMENT', `${shape.length} ${shape.length === 1 ? 'index' : 'indices'} (one per dimension of shape [${shape.join(', ')}])`, what, index);
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

/** Smallest and largest value of an integer dtype ('int8' ... 'uint64'). */
function integerRange(info: DTypeInfo): readonly [bigint, bigint] {
  const bits = BigInt(info.itemsize * 8);
  return info.name.startsWith('u') ? [0n, (1n << bits) - 1n] : [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n];
}

/**
 * Checks a fill value against the dtype, as NumPy 2's `np.full(shape, value, dtype)` does:
 * - integer dtypes take an integer (number, or bigint) or a boolean; a value outside the dtype's
 *   range is refused (NumPy 2 raises OverflowError), never wrapped. A fraction, NaN or Infinity is
 *   refused too: NumPy truncates a float (1.7 -> 1) and leaves NaN undefined, but a JavaScript
 *   number cannot say whether it was meant as a float. 64-bit dtypes refuse numbers beyond 2^53,
 *   which may already have been rounded: pass a bigint.
 * - float dtypes take any number or boolean, or a bigint within a double's range; float32 rounds
 *   to nearest, and beyond its range becomes +-Infinity, as NumPy's cast does (NumPy also warns).
 * - bool takes a boolean, number or bigint (within int64, as NumPy): anything non-zero is true,
 *   NaN included, as in NumPy; it is stored as exactly 0 or 1.
 */
export function checkFill(value: unknown, info: DTypeInfo): number | bigint | undefined {
  if (value === undefined) return undefined;
  const what = 'options.fill';
  if (info.name === 'bool') {
    if (typeof value === 'boolean') return value ? 1 : 0;
    // NumPy reads any non-zero byte as True but compares bytes: store bool as exactly 0 or 1.
    // A bigint beyond int64 NumPy refuses for bool too (OverflowError: it goes through a C long).
    if (typeof value === 'bigint' && value >= -(2n ** 63n) && value < 2n ** 63n) return value !== 0n ? 1 : 0;
    if (typeof value === 'number') return value !== 0 ? 1 : 0; // NaN !== 0: true, as in NumPy
    return invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'a boolean, number or bigint (within int64) for dtype bool', what, value);
  }
  if (info.name === 'float32' || info.name === 'float64') {
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (typeof value === 'number') return value;
    // A bigint is a Python int here: rounded to the nearest double; beyond it, NumPy raises OverflowError.
    if (typeof value === 'bigint' && Number.isFinite(Number(value))) return Number(value);
    return invalid('ERR_NDSHARE_INVALID_ARGUMENT', `a number, boolean or bigint within the range of a double for dtype ${info.name}`, what, value);
  }
  const [lo, hi] = integerRange(info);
  const expected = `an integer in [${lo}, ${hi}] for ${what} of dtype ${info.name}`;
  let n: bigint;
  if (typeof value === 'boolean') n = value ? 1n : 0n;
  else if (typeof value === 'bigint') n = value;
  else if (typeof value === 'number' && Number.isInteger(value)) n = BigInt(value);
  else if (typeof value === 'number') {
    const t = Math.trunc(value);
    const hint = Number.isFinite(value) && t >= Number(lo) && t <= Number(hi) ? `; NumPy would truncate it to ${t}, ndshare refuses: round it first` : '';
    throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', `Expected ${expected} but received ${describe(value)}${hint}`);
  } else {
    return invalid('ERR_NDSHARE_INVALID_ARGUMENT', `an integer (number or bigint) or boolean for dtype ${info.name}`, what, value);
  }
  if (n < lo || n > hi) {
    throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', `Expected ${expected} but received ${describe(value)}, which is out of range (NumPy 2 raises OverflowError; ndshare does not wrap it)`);
  }
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    // In range only for the 64-bit dtypes; such a number may already be a rounded literal.
    throw new NdshareError(
      'ERR_NDSHARE_INVALID_ARGUMENT',
      `Expected a bigint (or a safe integer, at most 2^53 - 1 in magnitude) for ${what} of dtype ${info.name} but received ${describe(value)}, which may already be rounded; write it as a bigint literal (123n)`,
    );
  }
  return info.bigint ? n : Number(n);
}
