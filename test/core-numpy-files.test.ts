/**
 * NumPy -> Node: .npy files NumPy wrote (every dtype, 0-d, zero-size, 1..4-d, format 1.0/2.0/3.0,
 * Fortran order, big-endian) are opened by `open()`: zero-copy when the data is native
 * little-endian C order (a write through Node reaches the file NumPy reads back), a Fortran-order
 * file only with allowFortran, a big-endian file only with convert: 'copy', and checksums agree.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { NdshareError, open } from '../src/index.js';
import { FdSnapshot } from './helpers/fds.js';
import { runPython } from './helpers/python.js';
import { sha } from './helpers/values.js';

interface Written {
  name: string;
  path: string;
  dtype: string;
  shape: number[];
  fortran: boolean;
  bigEndian: boolean;
  /** SHA-256 of the elements in native little-endian order, in memory (C or F) order. */
  sha: string;
}

let dir = '';
let files: Written[] = [];
const fds = new FdSnapshot();

// One python3 run writes every case; each describes itself so the assertions need no NumPy.
const kWrite = `
import numpy.lib.format as fmt
d = INPUT
cases = []
def save(name, a, version=None):
    path = f"{d}/{name}.npy"
    if version is None:
        np.save(path, a)
    else:
        with open(path, 'wb') as f:
            fmt.write_array(f, a, version=version)
    le = a.astype(a.dtype.newbyteorder('<'))
    le = np.asfortranarray(le) if np.isfortran(a) else le
    cases.append({'name': name, 'path': path, 'dtype': a.dtype.name, 'shape': list(a.shape),
                  'fortran': bool(np.isfortran(a)), 'bigEndian': a.dtype.byteorder == '>', 'sha': sha(le)})
rng = np.random.default_rng(7)
for t in ['bool','int8','uint8','int16','uint16','int32','uint32','int64','uint64','float32','float64']:
    if t == 'bool':
        a = rng.integers(0, 2, (3, 7)).astype(t)
    elif t.startswith('float'):
        a = rng.standard_normal((3, 7)).astype(t)
    else:
        info = np.iinfo(t)
        a = rng.integers(info.min, info.max, (3, 7), dtype=t, endpoint=True)
    save(f"c-{t}", a)
save('zero-d', np.array(42.5))
save('zero-size', np.zeros((0, 5), dtype='int32'))
save('one-d', np.arange(1000, dtype='uint16'))
save('four-d', np.arange(2*3*4*5, dtype='int64').reshape(2, 3, 4, 5))
save('v2', np.arange(10, dtype='float32'), version=(2, 0))
save('v3', np.arange(10, dtype='int8'), version=(3, 0))
save('fortran', np.asfortranarray(np.arange(12, dtype='float64').reshape(3, 4)))
save('big-endian', np.arange(6, dtype='>i4').reshape(2, 3))
save('big-endian-f8', np.linspace(0, 1, 5).astype('>f8'))
save('big-endian-u2', np.arange(65530, 65536, dtype='>u2'))
# NaN payloads (signalling and quiet) must survive the byte swap bit for bit.
save('big-endian-nan', np.frombuffer(np.array([0x7ff0000000000001, 0x7ff8dead0000beef, 0x8000000000000000], dtype='>u8').tobytes(), dtype='>f8'))
out(cases)
`;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ndshare-core-npy-'));
  files = await runPython<Written[]>(kWrite, dir);
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(fds.leaked(), [], 'every opened file was closed');
});

function byName(name: string): Written {
  return files.find((f) => f.name === name) ?? assert.fail(`python wrote no ${name}`);
}

test('native C-order files of every dtype and rank open zero-copy with agreeing checksums', async () => {
  const plain = files.filter((f) => !f.fortran && !f.bigEndian);
  assert.ok(plain.length >= 15, 'every case was written');
  const writes: Array<{ path: string; dtype: string }> = [];
  for (const f of plain) {
    const a = open(f.path);
    try {
      assert.equal(a.dtype, f.dtype, f.name);
      assert.deepEqual([...a.shape], f.shape, f.name);
      assert.equal(a.backing, 'file');
      assert.equal(a.order, 'C');
      assert.equal(sha(a.data), f.sha, `${f.name}: checksum agrees with NumPy`);
      // Zero-copy: a write through the mapping must be in the file NumPy reads next.
      if (a.size > 0 && a.dtype !== 'bool' && f.name !== 'zero-d') {
        if (a.data instanceof BigInt64Array || a.data instanceof BigUint64Array) a.data[0] = 9n;
        else a.data[0] = 9;
        writes.push({ path: f.path, dtype: f.dtype });
      }
    } finally {
      a.close();
    }
  }
  const firsts = await runPython<string[]>(`out([str(np.load(p['path']).flat[0]) for p in INPUT])`, writes);
  for (const [i, w] of writes.entries()) assert.match(firsts[i] ?? '', /^9(\.0)?$/, `${w.path}: NumPy sees Node's write`);
});

test('0-d and zero-size arrays open with the right size', () => {
  const z = open(byName('zero-d').path);
  try {
    assert.deepEqual([[...z.shape], z.size, z.data[0]], [[], 1, 42.5]);
  } finally {
    z.close();
  }
  const e = open(byName('zero-size').path);
  try {
    assert.deepEqual([[...e.shape], e.size, e.nbytes, e.data.length], [[0, 5], 0, 0, 0]);
  } finally {
    e.close();
  }
});

test('a Fortran-order file is refused unless allowFortran, then mapped with column-major strides', () => {
  const f = byName('fortran');
  assert.throws(() => open(f.path), (e: unknown) => e instanceof NdshareError && e.code === 'ERR_NDSHARE_FORTRAN_ORDER' && /^Expected a C-order array in .* but it is Fortran-order/.test(e.message));
  const a = open(f.path, { allowFortran: true });
  try {
    assert.equal(a.order, 'F');
    assert.deepEqual([...a.strides], [8, 24]);
    assert.equal(sha(a.data), f.sha);
    // Element (1, 0) of arange(12).reshape(3, 4) is 4; in column-major memory it is the second item.
    assert.equal(a.data[1], 4);
  } finally {
    a.close();
  }
});

test('a big-endian file is refused unless convert is copy, then copied into native order', () => {
  for (const name of ['big-endian', 'big-endian-f8', 'big-endian-u2', 'big-endian-nan']) {
    const f = byName(name);
    assert.throws(() => open(f.path), (e: unknown) => e instanceof NdshareError && e.code === 'ERR_NDSHARE_NOT_NATIVE' && /^Expected data that can be viewed in place .* big-endian/.test(e.message));
    const a = open(f.path, { convert: 'copy' });
    try {
      assert.equal(a.backing, 'heap', 'a converted copy is ordinary memory');
      assert.equal(sha(a.data), f.sha, `${name}: checksum of the converted copy agrees`);
    } finally {
      a.close();
    }
  }
  const a = open(byName('big-endian').path, { convert: 'copy' });
  assert.deepEqual([...a.data], [0, 1, 2, 3, 4, 5]);
  a.close();
});
