/**
 * The checked narrowing: `attach(h, { dtype })`, `open(path, { dtype })` and
 * `LockedArray.attach(h, { dtype })` refuse an array of another dtype with
 * ERR_NDSHARE_HANDLE_MISMATCH and leave nothing open (no fd, no mapping kept, no segment), accept
 * the dtype by name or by descr, and `is()` tells the dtype (the type guard's run-time side).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { attach, create, LockedArray, open, type Backing, type NdArray } from '../src/index.js';
import { throwsNdshare } from './helpers/errors.js';
import { FdSnapshot } from './helpers/fds.js';
import { ShmSnapshot } from './helpers/shm.js';

const kMismatch = (want: string, got: string): RegExp =>
  new RegExp(`^Expected dtype ${want} \\(options\\.dtype\\) for .+ but it holds ${got}; pass the dtype it was created with, or leave out the dtype option and branch on array\\.dtype or array\\.is\\(\\)$`);

for (const backing of ['shm', 'memfd', 'file', 'sab'] as const satisfies readonly Backing[]) {
  test(`attach(h, { dtype }) on a ${backing} handle: another dtype is refused before anything is mapped`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'ndshare-core-dtype-'));
    const owner = create({ dtype: 'float64', shape: [3], backing, fill: 1.5, ...(backing === 'file' ? { path: join(dir, 'a.npy') } : {}) });
    try {
      const shm = new ShmSnapshot();
      const fds = new FdSnapshot();
      const h: unknown = backing === 'sab' ? owner.handle : JSON.parse(JSON.stringify(owner.handle));
      throwsNdshare(() => attach(h, { dtype: 'int32' }), 'ERR_NDSHARE_HANDLE_MISMATCH', kMismatch('int32', 'float64'));
      throwsNdshare(() => attach(h, { dtype: '<f4' }), 'ERR_NDSHARE_HANDLE_MISMATCH', kMismatch('float32', 'float64'));
      assert.deepEqual(fds.leaked(), [], 'a refused attach opened nothing');
      // The same handle with its own dtype, by name and by descr.
      for (const dtype of ['float64', '<f8'] as const) {
        const a = attach(h, { dtype });
        assert.equal(a.dtype, 'float64');
        let s = 0;
        for (const v of a.data) s += v;
        assert.equal(s, 4.5);
        a.close();
      }
      assert.deepEqual(fds.leaked(), []);
      assert.deepEqual(shm.addedBy(), []);
    } finally {
      if (backing === 'file') owner.unlink();
      owner.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('attach(h, { dtype }) with a dtype that is not one: ERR_NDSHARE_INVALID_DTYPE, also before mapping', () => {
  const owner = create({ dtype: 'float64', shape: [2] });
  try {
    const fds = new FdSnapshot();
    throwsNdshare(() => attach(owner.handle, { dtype: 'flaot64' as never }), 'ERR_NDSHARE_INVALID_DTYPE', /for options\.dtype but received the string "flaot64"$/);
    throwsNdshare(() => attach(owner.handle, { dtype: '>f8' as never }), 'ERR_NDSHARE_NOT_NATIVE');
    assert.deepEqual(fds.leaked(), []);
  } finally {
    owner.close();
  }
});

test("open(path, { dtype }): a file of another dtype is refused and its mapping closed; the file's own dtype opens", () => {
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-core-dtype-'));
  const path = join(dir, 'a.npy');
  const owner = create({ dtype: 'int16', shape: [4], backing: 'file', path, fill: 7 });
  owner.close();
  try {
    const fds = new FdSnapshot();
    throwsNdshare(() => open(path, { dtype: 'uint16' }), 'ERR_NDSHARE_HANDLE_MISMATCH', kMismatch('uint16', 'int16'));
    assert.deepEqual(fds.leaked(), [], 'the refused open closed its fd');
    const a = open(path, { dtype: '<i2', mode: 'r' });
    assert.equal(a.dtype, 'int16');
    assert.equal(a.data[3], 7);
    a.close();
    assert.deepEqual(fds.leaked(), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('LockedArray.attach(h, { dtype }): another dtype is refused and its mutex closed', () => {
  const shm = new ShmSnapshot();
  const la = LockedArray.create({ dtype: 'uint8', shape: [5] });
  try {
    const fds = new FdSnapshot();
    const h: unknown = JSON.parse(JSON.stringify(la.handle));
    throwsNdshare(() => LockedArray.attach(h, { dtype: 'int8' }), 'ERR_NDSHARE_HANDLE_MISMATCH', kMismatch('int8', 'uint8'));
    assert.deepEqual(fds.leaked(), [], 'neither the mutex nor the array stayed open');
    const again = LockedArray.attach(h, { dtype: '|u1' });
    assert.equal(again.dtype, 'uint8');
    again.close();
    assert.deepEqual(fds.leaked(), []);
  } finally {
    la.close();
  }
  assert.deepEqual(shm.addedBy(), []);
});

test('is(dtype): true for its own dtype by name or descr, false for the others, a type error for no dtype', () => {
  const arrays: NdArray[] = [create({ dtype: 'float64', shape: [2], backing: 'heap', fill: 2 }), create({ dtype: 'int64', shape: [2], backing: 'heap', fill: 3n })];
  const [f, i] = arrays as [NdArray, NdArray];
  assert.equal(f.is('float64'), true);
  assert.equal(f.is('<f8'), true);
  assert.equal(f.is('float32'), false);
  assert.equal(f.is('int64'), false);
  assert.equal(i.is('<i8'), true);
  assert.equal(i.is('uint64'), false);
  // The guard narrows: these sums compile only because of it.
  let s = 0;
  let t = 0n;
  for (const a of arrays) {
    if (a.is('float64')) for (const v of a.data) s += v;
    else if (a.is('int64')) for (const v of a.data) t += v;
  }
  assert.equal(s, 4);
  assert.equal(t, 6n);
  throwsNdshare(() => f.is('double' as never), 'ERR_NDSHARE_INVALID_DTYPE', /for is\(dtype\) but received the string "double"$/);
  // A closed array still knows its dtype.
  f.close();
  assert.equal(f.is('float64'), true);
  i.close();
});
