/**
 * create({ fill }) sets every element, on every backing and dtype, including sizes that are not a
 * multiple of the internal write chunk, -0, zero (no write needed), 64-bit extremes and bool; and
 * what Node filled is what NumPy reads from the same memory.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { create, DTYPES, type Backing, type DTypeLike, type NdArray } from '../src/index.js';
import { runPython } from './helpers/python.js';
import { ShmSnapshot } from './helpers/shm.js';
import { get, kSample } from './helpers/values.js';

const kBackings: readonly Backing[] = ['shm', 'memfd', 'file', 'sab', 'heap'];

function make(backing: Backing, dir: string, name: string, options: { dtype: DTypeLike; shape: number[]; fill?: number | bigint | boolean }): NdArray {
  return create({ ...options, backing, ...(backing === 'file' ? { path: join(dir, `${name}.npy`) } : {}) });
}

function everyElement(a: NdArray, expected: string): void {
  const d = a.data;
  for (let i = 0; i < d.length; i++) {
    if (get(d, i) !== expected) assert.fail(`${a.backing}/${a.dtype}[${i}] is ${get(d, i)}, expected ${expected}`);
  }
}

for (const backing of kBackings) {
  test(`${backing}: fill sets every element of every dtype`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'ndshare-core-fill-'));
    const shm = new ShmSnapshot();
    try {
      for (const dtype of DTYPES) {
        const v = kSample[dtype][0];
        const fill = dtype === 'int64' || dtype === 'uint64' ? BigInt(v) : dtype === 'bool' ? true : Number(v);
        const a = make(backing, dir, dtype, { dtype, shape: [3, 1001], fill });
        try {
          everyElement(a, v);
        } finally {
          a.unlink();
          a.close();
        }
      }
      // Larger than one 8 MiB write chunk, with a remainder; -0 and 0 are distinct fills.
      const big = make(backing, dir, 'big', { dtype: 'float64', shape: [(8 << 20) / 8 * 2 + 3], fill: -0 });
      try {
        assert.ok(big.data.every((x) => Object.is(x, -0)), '-0 everywhere, including the remainder');
      } finally {
        big.unlink();
        big.close();
      }
      const zero = make(backing, dir, 'zero', { dtype: 'int32', shape: [5000], fill: 0 });
      everyElement(zero, '0');
      zero.unlink();
      zero.close();
      const empty = make(backing, dir, 'empty', { dtype: 'uint16', shape: [0, 4], fill: 9 });
      assert.equal(empty.size, 0);
      empty.unlink();
      empty.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(shm.addedBy(), []);
  });
}

test('NumPy reads exactly the filled values (shm)', async () => {
  const arrays = DTYPES.map((dtype) => {
    const v = kSample[dtype][1];
    return create({ dtype, shape: [2, 5000], backing: 'shm', fill: dtype === 'int64' || dtype === 'uint64' ? BigInt(v) : Number(v) });
  });
  try {
    const seen = await runPython<string[][]>(
      `out([sorted({str(x) for x in np.load(p, mmap_mode='r').ravel().tolist()}) for p in INPUT])`,
      arrays.map((a) => a.path),
    );
    for (const [i, a] of arrays.entries()) {
      const v = kSample[a.dtype][1];
      const expected = a.dtype === 'bool' ? 'False' : a.dtype.startsWith('float') ? String(Number(v)) : v;
      assert.deepEqual(seen[i], [a.dtype === 'float32' ? '-1.25' : expected], a.dtype);
    }
  } finally {
    for (const a of arrays) a.close();
  }
});
