/**
 * create({ fill }) against NumPy 2's np.full(1, value, dtype) for every dtype: a table of edge
 * values (each integer dtype's bounds and one past them, -0, fractions, NaN, +-Infinity, booleans,
 * bigints) plus a seeded fast-check sample near the bounds, all judged by a real python3 + NumPy.
 * The rules (docs: create's `fill`):
 * - an integer value (number, bigint or boolean): ndshare and NumPy agree exactly, both refusing
 *   (NumPy's OverflowError) or both storing the same bytes; never a wrapped value.
 * - a number that is not an integer (fraction, NaN, Infinity) into an integer dtype: refused.
 *   NumPy truncates a fraction instead; where it does so without warning, the message names the
 *   value NumPy would store, and that must be the value NumPy stored.
 * - an integer number beyond 2^53 into int64/uint64: refused (may be a rounded literal; use a bigint).
 * - bool and the float dtypes: the same bytes as NumPy (bool: non-zero and NaN are true; float32:
 *   rounded, +-Infinity beyond its range; a bigint beyond a double refused, as NumPy does).
 * The pool and createFor() take the same check (one checkFill).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { create, createFor, DTYPES, NdshareError, SegmentPool, type DType } from '../src/index.js';
import { runPython } from './helpers/python.js';
import { throwsNdshare } from './helpers/errors.js';

type Fill = number | bigint | boolean;
interface Verdict {
  readonly ok: boolean;
  readonly hex?: string;
  readonly item?: string;
  readonly warned?: boolean;
  readonly error?: string;
}

const kIntegers = DTYPES.filter((d) => d !== 'bool' && !d.startsWith('float'));

function range(dtype: DType): readonly [bigint, bigint] {
  const bits = BigInt(Number(/\d+/.exec(dtype)?.[0]));
  return dtype.startsWith('u') ? [0n, (1n << bits) - 1n] : [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n];
}

/** The Python literal a JS fill stands for: an int for integers (bigint or integral number), a float otherwise. */
function toPython(v: Fill): [kind: 'int' | 'float' | 'bool', text: string] {
  if (typeof v === 'boolean') return ['bool', String(v)];
  if (typeof v === 'bigint') return ['int', String(v)];
  if (Object.is(v, -0)) return ['float', '-0.0'];
  // A JS number is a double: an int for Python where that is exact, a float beyond 2^53.
  if (Number.isSafeInteger(v)) return ['int', String(v)];
  return ['float', String(v)]; // 'NaN', 'Infinity' and exponents all parse with Python's float()
}

function cases(): Array<[DType, Fill]> {
  const out: Array<[DType, Fill]> = [];
  const common: Fill[] = [0, -0, 1, -1, 1.7, -1.5, 0.5, -0.5, 2.5, NaN, Infinity, -Infinity, true, false, 1e20, -1e20, 2 ** 53, 2 ** 60, 2 ** 63, 1n, 0n, -1n];
  for (const dtype of DTYPES) {
    for (const v of common) out.push([dtype, v]);
    if (!kIntegers.includes(dtype)) continue;
    const [lo, hi] = range(dtype);
    for (const b of [lo - 1n, lo, lo + 1n, hi - 1n, hi, hi + 1n, hi * 2n + 2n]) {
      out.push([dtype, b]);
      if (b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER)) out.push([dtype, Number(b)]);
    }
    // Fractions just inside and outside the bounds.
    for (const f of [Number(lo) - 0.5, Number(lo) + 0.5, Number(hi) - 0.5, Number(hi) + 0.5]) if (!Number.isInteger(f)) out.push([dtype, f]);
    // A seeded sample around the bounds: integers as numbers (where exact) and bigints, and any double.
    const span = hi - lo + 1n;
    const near = fc.oneof(fc.bigInt({ min: lo - span, max: lo + span }), fc.bigInt({ min: hi - span, max: hi + span }));
    const sampled = fc.sample(
      fc.oneof(
        near,
        near.map((b) => (b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b)),
        fc.double(),
        fc.integer({ min: -300, max: 70000 }).map((i) => i / 4),
      ),
      { numRuns: 120, seed: 20261201 + out.length },
    );
    for (const v of sampled) out.push([dtype, v]);
  }
  // bool and floats: a sample of doubles too (NumPy's cast decides, ndshare must agree).
  for (const dtype of ['bool', 'float32', 'float64'] as const) {
    for (const v of fc.sample(fc.oneof(fc.double(), fc.integer()), { numRuns: 60, seed: 7 + dtype.length })) out.push([dtype, v]);
    for (const v of [3.4028235677973366e38, 3.4028235677973366e38 * 1.0000001, 1e39, -1e39, 1e-46, 5e-324, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 63n, 2n ** 64n + 1n, -(2n ** 100n), 2n ** 1024n]) out.push([dtype, v]);
  }
  return out;
}

const kNumPy = `
import warnings
res = []
for dtype, kind, text in INPUT:
    x = int(text) if kind == 'int' else float(text) if kind == 'float' else text == 'true'
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        try:
            a = np.full(1, x, dtype=dtype)
            res.append({'ok': True, 'hex': a.tobytes().hex(), 'item': str(a[0].item()), 'warned': len(w) > 0})
        except OverflowError as e:
            res.append({'ok': False, 'error': type(e).__name__})
out(res)
`;

function ours(dtype: DType, v: Fill): { ok: true; hex: string } | { ok: false; error: NdshareError } {
  try {
    const a = create({ dtype, shape: [1], backing: 'heap', fill: v });
    const d = a.data;
    return { ok: true, hex: Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('hex') };
  } catch (err) {
    if (!(err instanceof NdshareError)) throw err;
    return { ok: false, error: err };
  }
}

test('fill agrees with NumPy 2 np.full for every dtype (edge table + seeded sample)', async () => {
  const table = cases();
  const numpy = await runPython<Verdict[]>(kNumPy, table.map(([d, v]) => [d, ...toPython(v)]));
  assert.equal(numpy.length, table.length);
  const problems: string[] = [];
  let agreedRefusals = 0;
  let agreedValues = 0;
  for (const [i, [dtype, v]] of table.entries()) {
    const np = numpy[i] as Verdict;
    const me = ours(dtype, v);
    const label = `${dtype} fill ${typeof v === 'bigint' ? `${v}n` : Object.is(v, -0) ? '-0' : String(v)}: NumPy ${np.ok ? `${np.item}${np.warned ? ' (warned)' : ''}` : np.error}, ndshare ${me.ok ? me.hex : me.error.message}`;
    if (me.ok === false && (me.error.code !== 'ERR_NDSHARE_INVALID_ARGUMENT' || !/^Expected .+ for options\.fill .*but received/.test(me.error.message))) {
      problems.push(`${label}: wrong error shape`);
      continue;
    }
    const integerDType = kIntegers.includes(dtype);
    if (integerDType && typeof v === 'number' && !Number.isInteger(v)) {
      // Refused, where NumPy truncates (or warns): the hint names what NumPy stored.
      if (me.ok) problems.push(`${label}: a fraction must be refused`);
      else {
        const hint = /NumPy would truncate it to (-?\d+)/.exec(me.error.message);
        if (hint && !(np.ok && !np.warned && np.item === hint[1])) problems.push(`${label}: the hint must name NumPy's value`);
      }
      continue;
    }
    if (integerDType && typeof v === 'number' && !Number.isSafeInteger(v)) {
      // Beyond 2^53 (a float to NumPy, which casts it or warns): refused, out of range or with the bigint hint.
      const [lo, hi] = range(dtype);
      const inRange = BigInt(v) >= lo && BigInt(v) <= hi;
      if (me.ok || !(inRange ? /bigint literal/ : /out of range/).test(me.error.message)) problems.push(`${label}: an unsafe number must be refused (${inRange ? 'bigint hint' : 'out of range'})`);
      continue;
    }
    if (integerDType && np.ok && np.warned) {
      problems.push(`${label}: an integer that makes NumPy warn was not expected in this table`);
      continue;
    }
    if (!np.ok) {
      if (me.ok) problems.push(`${label}: NumPy refuses, ndshare must too`);
      else agreedRefusals++;
      continue;
    }
    if (!me.ok) problems.push(`${label}: NumPy accepts, ndshare must store the same`);
    else if (me.hex !== np.hex) problems.push(`${label}: bytes differ (NumPy ${np.hex})`);
    else agreedValues++;
  }
  assert.deepEqual(problems.slice(0, 20), [], `${problems.length} disagreements with NumPy`);
  // The table is not vacuous: both outcomes occur, many times.
  assert.ok(agreedRefusals > 100 && agreedValues > 300, `refusals ${agreedRefusals}, values ${agreedValues}`);
});

test('the cases from the report: no silent wrap, no truncation; the pool and createFor() refuse alike', () => {
  throwsNdshare(() => create({ dtype: 'uint8', shape: [3], backing: 'heap', fill: 300 }), 'ERR_NDSHARE_INVALID_ARGUMENT', /integer in \[0, 255\] .*received number 300.*out of range/);
  throwsNdshare(() => create({ dtype: 'int8', shape: [3], backing: 'heap', fill: 200 }), 'ERR_NDSHARE_INVALID_ARGUMENT', /integer in \[-128, 127\] .*received number 200/);
  throwsNdshare(() => create({ dtype: 'int32', shape: [3], backing: 'heap', fill: 1.7 }), 'ERR_NDSHARE_INVALID_ARGUMENT', /received number 1\.7; NumPy would truncate it to 1/);
  throwsNdshare(() => create({ dtype: 'int64', shape: [3], backing: 'heap', fill: 2 ** 60 }), 'ERR_NDSHARE_INVALID_ARGUMENT', /bigint literal/);
  assert.equal(create({ dtype: 'int64', shape: [1], backing: 'heap', fill: 2n ** 60n }).data[0], 2n ** 60n);
  assert.equal(create({ dtype: 'int16', shape: [1], backing: 'heap', fill: -300n }).data[0], -300);
  const pool = new SegmentPool();
  throwsNdshare(() => pool.create({ dtype: 'uint8', shape: [3], fill: 256 }), 'ERR_NDSHARE_INVALID_ARGUMENT', /out of range/);
  throwsNdshare(() => createFor('sab', 'thread', { dtype: 'uint16', shape: [3], fill: -1 }), 'ERR_NDSHARE_INVALID_ARGUMENT', /out of range/);
  assert.equal(pool.stats.misses, 0, 'refused before anything was created');
});
