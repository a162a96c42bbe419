/**
 * The index helpers: `offset(i, j, ...)` is NumPy's ravel_multi_index (C and Fortran order,
 * bounds-checked, negative indexes refused), and `rows(start, end)` is a zero-copy view of NumPy's
 * `a[start:end]`: its own shape, `data` over the same memory, so a write through the view is seen
 * by the array, by a child process, by a worker and by NumPy, and theirs through the view.
 * Out-of-range rows are refused (not clamped); after the array is closed, reading a view throws
 * ERR_NDSHARE_CLOSED.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { create, open } from '../src/index.js';
import { Agent } from './helpers/agent.js';
import { throwsNdshare } from './helpers/errors.js';
import { runPython } from './helpers/python.js';
import { ShmSnapshot } from './helpers/shm.js';

test('offset() is NumPy ravel_multi_index, in C and Fortran order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-core-rows-'));
  try {
    const c = create({ dtype: 'int16', shape: [3, 4, 5], backing: 'heap' });
    const path = join(dir, 'f.npy');
    await runPython(`np.save(INPUT, np.asfortranarray(np.zeros((3, 4, 5), dtype='<i2'))); out(1)`, path);
    const f = open(path, { allowFortran: true });
    const indexes = [[0, 0, 0], [2, 3, 4], [1, 2, 3], [2, 0, 1], [0, 3, 0]];
    const numpy = await runPython<{ C: number[]; F: number[] }>(
      `idx = tuple(np.array(INPUT).T); out({'C': np.ravel_multi_index(idx, (3, 4, 5)).tolist(), 'F': np.ravel_multi_index(idx, (3, 4, 5), order='F').tolist()})`,
      indexes,
    );
    assert.deepEqual(indexes.map((i) => c.offset(...i)), numpy.C);
    assert.deepEqual(indexes.map((i) => f.offset(...i)), numpy.F);
    assert.equal(create({ dtype: 'float64', shape: [], backing: 'heap' }).offset(), 0);
    throwsNdshare(() => c.offset(3, 0, 0), 'ERR_NDSHARE_INVALID_ARGUMENT', /^Expected an integer in \[0, 3\) for offset\(\) index\[0\] but received number 3$/);
    throwsNdshare(() => c.offset(0, -1, 0), 'ERR_NDSHARE_INVALID_ARGUMENT', /index\[1\] but received number -1/);
    throwsNdshare(() => c.offset(0, 1.5, 0), 'ERR_NDSHARE_INVALID_ARGUMENT', /index\[1\] but received number 1\.5/);
    throwsNdshare(() => c.offset(1, 2), 'ERR_NDSHARE_INVALID_ARGUMENT', /^Expected 3 indices \(one per dimension of shape \[3, 4, 5\]\) for offset\(\) index but received an array of length 2$/);
    f.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rows() is a zero-copy view: its writes reach the array, a child, a worker and NumPy, and theirs reach it', async () => {
  const shm = new ShmSnapshot();
  const a = create({ dtype: 'float64', shape: [6, 3] });
  const child = await Agent.child();
  const worker = await Agent.worker();
  try {
    const v = a.rows(2, 5);
    assert.deepEqual([v.shape, v.strides, v.size, v.nbytes, v.dtype, v.order, v.range], [[3, 3], [24, 8], 9, 72, 'float64', 'C', [2, 5]]);
    assert.equal(v.data.buffer, a.data.buffer, 'the same memory');
    assert.equal(v.data.byteOffset, a.data.byteOffset + 2 * 3 * 8);
    v.data[v.offset(1, 2)] = 42.5; // a[3, 2]
    assert.equal(a.data[a.offset(3, 2)], 42.5);
    const inChild = await child.attach(a.handle);
    const inWorker = await worker.attach(a.threadHandle);
    assert.equal(await child.get(inChild, a.offset(3, 2)), '42.5');
    assert.equal(await worker.get(inWorker, a.offset(3, 2)), '42.5');
    await child.put(inChild, a.offset(4, 0), '-1');
    await worker.put(inWorker, a.offset(2, 1), '7');
    assert.equal(v.data[v.offset(2, 0)], -1);
    assert.equal(v.data[v.offset(0, 1)], 7);
    // A view of a view is a view of the array.
    const w = v.rows(1);
    assert.deepEqual([w.shape, w.range], [[2, 3], [3, 5]]);
    w.data.fill(9, 3); // row 4 of the array
    const seen = await runPython<number[][]>(`out(np.load(INPUT, mmap_mode='r')[2:5].tolist())`, a.path);
    assert.deepEqual(seen, [[0, 7, 0], [0, 0, 42.5], [9, 9, 9]]);
    assert.deepEqual(a.rows(6).shape, [0, 3], 'an empty range is a view too');
    assert.deepEqual(a.rows(0).shape, [6, 3], 'end defaults to the last row');
  } finally {
    await child.close();
    await worker.close();
    a.close();
  }
  assert.deepEqual(shm.addedBy(), []);
});

test('rows() refuses out-of-range, negative and non-integer rows, 0-d and Fortran-order arrays', async () => {
  const a = create({ dtype: 'int32', shape: [4, 2], backing: 'heap' });
  throwsNdshare(() => a.rows(5), 'ERR_NDSHARE_INVALID_ARGUMENT', /^Expected an integer in \[0, 4\] .* for rows\(\) start but received number 5$/);
  throwsNdshare(() => a.rows(-1, 2), 'ERR_NDSHARE_INVALID_ARGUMENT', /for rows\(\) start but received number -1$/);
  throwsNdshare(() => a.rows(3, 2), 'ERR_NDSHARE_INVALID_ARGUMENT', /^Expected an integer in \[3, 4\] .* for rows\(\) end but received number 2$/);
  throwsNdshare(() => a.rows(0, 5), 'ERR_NDSHARE_INVALID_ARGUMENT', /for rows\(\) end but received number 5$/);
  throwsNdshare(() => a.rows(0.5), 'ERR_NDSHARE_INVALID_ARGUMENT', /received number 0\.5$/);
  throwsNdshare(() => a.rows('1' as never), 'ERR_NDSHARE_INVALID_ARGUMENT', /received the string "1"$/);
  throwsNdshare(() => a.rows(1, 3).rows(0, 3), 'ERR_NDSHARE_INVALID_ARGUMENT', /in \[0, 2\] .* for rows\(\) end but received number 3$/);
  throwsNdshare(() => create({ dtype: 'int32', shape: [], backing: 'heap' }).rows(0), 'ERR_NDSHARE_INVALID_ARGUMENT', /at least one dimension/);
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-core-rows-'));
  try {
    const path = join(dir, 'f.npy');
    await runPython(`np.save(INPUT, np.asfortranarray(np.zeros((3, 2), dtype='<i4'))); out(1)`, path);
    const f = open(path, { allowFortran: true });
    throwsNdshare(() => f.rows(0, 1), 'ERR_NDSHARE_FORTRAN_ORDER', /rows are not contiguous/);
    f.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('after the array is closed, a view throws ERR_NDSHARE_CLOSED and prints as closed', () => {
  for (const backing of ['shm', 'memfd', 'sab', 'heap'] as const) {
    const a = create({ dtype: 'uint8', shape: [4, 4], backing, fill: 1 });
    const v = a.rows(1, 3);
    assert.equal(v.data[0], 1);
    a.close();
    assert.equal(v.closed, true);
    throwsNdshare(() => v.data, 'ERR_NDSHARE_CLOSED', /^Expected an open NdArray for data of a rows\(\) view but its array was closed$/);
    throwsNdshare(() => v.rows(0, 1), 'ERR_NDSHARE_CLOSED');
    throwsNdshare(() => a.rows(0, 1), 'ERR_NDSHARE_CLOSED');
    assert.equal(inspect(v), `NdView<uint8>(shape=[2, 4], rows=1:3 of [4, 4], backing=${backing}, closed)`);
  }
});
