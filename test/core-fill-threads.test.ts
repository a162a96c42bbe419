/**
 * The native fill through an fd (native/fill.cc: create's and a pooled segment's path) writes
 * exactly the right bytes whatever the thread count, for every dtype, over sizes that split
 * unevenly between threads and across the 64 KiB pattern, from an odd file position; each result
 * is compared byte for byte with TypedArray.fill. A pooled segment's reuse goes the same way.
 */
import assert from 'node:assert/strict';
import { ftruncateSync, readSync } from 'node:fs';
import { test } from 'node:test';
import { DTYPES, SegmentPool, type DType } from '../src/index.js';
import { dtypeInfo } from '../src/core/dtype.js';
import { itemBytes } from '../src/core/fill.js';
import { MFD_CLOEXEC, native } from '../src/core/native.js';
import { ShmSnapshot } from './helpers/shm.js';
import { kSample } from './helpers/values.js';

/** Sizes in elements: one, odd, one pattern (64 KiB) and a remainder, several patterns and a remainder. */
function sizesOf(itemsize: number): number[] {
  const pattern = 65536 / itemsize;
  return [1, 1001, pattern + 3, 5 * pattern + 7];
}
const kThreads = [1, 2, 3, 8];

function valueOf(dtype: DType): number | bigint {
  const v = kSample[dtype][0];
  return dtype === 'int64' || dtype === 'uint64' ? BigInt(v) : Number(v);
}

function expected(dtype: DType, n: number): Uint8Array {
  const info = dtypeInfo(dtype);
  const a = new info.ctor(new ArrayBuffer(n * info.itemsize));
  (a as { fill(v: number | bigint): unknown }).fill(valueOf(dtype));
  return new Uint8Array(a.buffer);
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

test('fillFd: every dtype, uneven sizes, 1 to 8 writers, from an odd position: the exact bytes, nothing before or after', () => {
  const n = native();
  const kPosition = 4099;
  for (const dtype of DTYPES) {
    const info = dtypeInfo(dtype);
    for (const count of sizesOf(info.itemsize)) {
      for (const threads of kThreads) {
        const want = expected(dtype, count);
        const fd = n.memfdCreate('ndshare-test-fill', MFD_CLOEXEC);
        try {
          ftruncateSync(fd, kPosition + want.length + 100);
          n.fillFd(fd, kPosition, want.length, itemBytes(info, valueOf(dtype)), threads);
          const got = new Uint8Array(kPosition + want.length + 100);
          assert.equal(readSync(fd, got, 0, got.length, 0), got.length);
          const at = firstDifference(got.subarray(kPosition, kPosition + want.length), want);
          assert.equal(at, -1, `${dtype} x ${count}, ${threads} threads: first wrong byte at ${at}`);
          assert.ok(got.subarray(0, kPosition).every((b) => b === 0), `${dtype}: nothing written before the position`);
          assert.ok(got.subarray(kPosition + want.length).every((b) => b === 0), `${dtype}: nothing written past the end`);
        } finally {
          n.closeFd(fd);
        }
      }
    }
  }
});

test('a pooled segment reused with a fill or without one (zeros) holds exactly that, never the last data', () => {
  const shm = new ShmSnapshot();
  const pool = new SegmentPool();
  try {
    const count = 5_000_001;
    const first = pool.create({ dtype: 'float64', shape: [count], fill: 7 });
    first.data.fill(-1);
    assert.equal(pool.release(first).state, 'pooled');
    const filled = pool.create({ dtype: 'float64', shape: [count], fill: 0.25 });
    assert.equal(pool.stats.hits, 1);
    assert.equal(firstDifference(new Uint8Array(filled.data.buffer, filled.data.byteOffset, filled.nbytes), expectedFloat(count, 0.25)), -1);
    assert.equal(pool.release(filled).state, 'pooled');
    const zeroed = pool.create({ dtype: 'int32', shape: [2 * count] });
    assert.equal(pool.stats.hits, 2);
    assert.ok(zeroed.data.every((x) => x === 0), 'zeros, never the last array data');
    zeroed.close();
  } finally {
    pool.clear();
    assert.deepEqual(shm.addedBy(), []);
  }
});

function expectedFloat(count: number, v: number): Uint8Array {
  return new Uint8Array(new Float64Array(count).fill(v).buffer);
}
