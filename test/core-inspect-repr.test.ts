/**
 * console.log(array) shows what matters: `NdArray<dtype>(shape=[...], backing=..., path=...)` and
 * the values laid out as NumPy's repr lays them out (checked against np.array2string for integer
 * arrays of many shapes, summarized ones included), in the array's order (a Fortran-order file
 * prints in logical order). A closed array prints as closed and is never read; nesting deeper than
 * util.inspect's depth prints the title only; too many short axes print [...].
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { attach, create, open, type NdArray } from '../src/index.js';
import { runPython } from './helpers/python.js';
import { ShmSnapshot } from './helpers/shm.js';

/** The values part of inspect(): what follows the title line (or the title and one space). */
function body(a: NdArray, breakLength = 75): string {
  return inspect(a, { breakLength }).replace(/^NdArray<\w+>\([^)]*\)[ \n]/, '');
}

test('the values are laid out as NumPy lays them out (np.array2string, separator ", ")', async () => {
  const shapes = [[5], [40], [200], [7, 30], [3, 4, 5], [1001], [40, 30], [2, 3, 200], [10, 10, 11], [1000, 1000], [33], [2, 33], [0], [0, 5], [4, 0], [6, 7], [1, 1, 1, 1]];
  const arrays: NdArray[] = [];
  for (const shape of shapes) {
    for (const [k, dtype] of (['int32', 'uint8', 'int64'] as const).entries()) {
      const a = create({ dtype, shape, backing: 'heap' });
      const d = a.data;
      for (let i = 0; i < a.size; i++) {
        const v = (((i * 7919 + k) % 2003) - 1000) * (k === 0 ? 37 : 1);
        if (d instanceof BigInt64Array) d[i] = BigInt(v) * 10n ** 12n;
        else (d as Int32Array | Uint8Array)[i] = v;
      }
      arrays.push(a);
    }
  }
  const numpy = await runPython<string[]>(
    `out([np.array2string(np.array(v, dtype=d).reshape(s), separator=', ') for d, s, v in INPUT])`,
    arrays.map((a) => [a.dtype, a.shape, Array.from(a.data as ArrayLike<number | bigint>, (x) => (typeof x === 'bigint' ? Number(x) : x))]),
  );
  const differ = arrays.flatMap((a, i) => (body(a) === numpy[i] ? [] : [`${a.dtype} [${a.shape.join(', ')}]:\n${body(a)}\nNumPy:\n${numpy[i]}`]));
  assert.deepEqual(differ.slice(0, 3), [], `${differ.length} of ${arrays.length} differ`);
});

test('the title names dtype, shape, backing, path, mode and order; a Fortran file prints in logical order', async () => {
  const shm = new ShmSnapshot();
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-core-inspect-'));
  const a = create({ dtype: 'float64', shape: [1000, 1000], fill: 1 });
  const m = create({ dtype: 'uint16', shape: [3], backing: 'memfd', fill: 7 });
  try {
    const lines = inspect(a).split('\n');
    assert.equal(lines[0], `NdArray<float64>(shape=[1000, 1000], backing=shm, path=${a.path})`);
    assert.deepEqual(lines.slice(1), ['[[1, 1, 1, ..., 1, 1, 1],', ' [1, 1, 1, ..., 1, 1, 1],', ' [1, 1, 1, ..., 1, 1, 1],', ' ...,', ' [1, 1, 1, ..., 1, 1, 1],', ' [1, 1, 1, ..., 1, 1, 1],', ' [1, 1, 1, ..., 1, 1, 1]]']);
    assert.equal(inspect(m), `NdArray<uint16>(shape=[3], backing=memfd, path=${m.path}) [7, 7, 7]`);
    const r = attach(a.handle, { mode: 'r' });
    assert.match(inspect(r).split('\n')[0] ?? '', /^NdArray<float64>\(shape=\[1000, 1000\], backing=shm, path=\/dev\/shm\/ndshare-\S+, mode=r\)$/);
    r.close();
    const path = join(dir, 'f.npy');
    await runPython(`np.save(INPUT, np.asfortranarray(np.arange(6, dtype='<i4').reshape(2, 3))); out(1)`, path);
    const f = open(path, { allowFortran: true });
    assert.equal(inspect(f), `NdArray<int32>(shape=[2, 3], backing=file, path=${f.path}, order=F) [[0, 1, 2], [3, 4, 5]]`.replace(' [[0, 1, 2], [3, 4, 5]]', '\n[[0, 1, 2],\n [3, 4, 5]]'));
    f.close();
    assert.equal(inspect(create({ dtype: 'bool', shape: [3], backing: 'heap', fill: true })), 'NdArray<bool>(shape=[3], backing=heap) [true, true, true]');
    assert.equal(inspect(create({ dtype: 'float32', shape: [2], backing: 'heap', fill: 0.1 })), 'NdArray<float32>(shape=[2], backing=heap) [0.1, 0.1]');
    assert.equal(inspect(create({ dtype: 'uint64', shape: [], backing: 'sab', fill: 2n ** 64n - 1n })), 'NdArray<uint64>(shape=[], backing=sab) 18446744073709551615');
    assert.equal(inspect(create({ dtype: 'int8', shape: new Array<number>(30).fill(2), backing: 'heap' })), `NdArray<int8>(shape=[${new Array(30).fill(2).join(', ')}], backing=heap) [...]`);
    assert.equal(inspect({ deep: { array: m } }, { depth: 1 }), '{ deep: { array: [NdArray<uint16>] } }');
  } finally {
    a.close();
    m.close();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(shm.addedBy(), []);
});

test('a closed array prints as closed, without reading its memory, on every backing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-core-inspect-'));
  try {
    for (const backing of ['shm', 'memfd', 'file', 'sab', 'heap'] as const) {
      const a = create({ dtype: 'int16', shape: [2, 2], backing, ...(backing === 'file' ? { path: join(dir, 'a.npy') } : {}) });
      a.close();
      assert.equal(inspect(a), `NdArray<int16>(shape=[2, 2], backing=${backing}, closed)`);
      assert.equal(String(a), `NdArray<int16>[2, 2] ${backing} (closed)`);
      assert.throws(() => a.data, { code: 'ERR_NDSHARE_CLOSED' });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
