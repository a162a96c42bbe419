/**
 * Node -> NumPy: python3 opens an ndshare shm segment (and a memfd and a file) with
 * np.load(path, mmap_mode='r+'), checks dtype, shape and values, writes, and Node sees the write
 * in its own mapping.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { create, DTYPES } from '../src/index.js';
import { runPython } from './helpers/python.js';
import { ShmSnapshot } from './helpers/shm.js';
import { get, kSample, put, sha } from './helpers/values.js';

interface PyReport {
  dtype: string;
  shape: number[];
  first: string;
  sha: string;
  isMemmap: boolean;
}

const kPy = `
res = []
for item in INPUT:
    a = np.load(item['path'], mmap_mode='r+')
    res.append({'dtype': str(a.dtype), 'shape': list(a.shape), 'first': str(a.flat[0].item() if a.dtype != np.bool_ else int(a.flat[0])),
                'sha': sha(a), 'isMemmap': isinstance(a, np.memmap)})
    v = item['write']
    a.flat[-1] = (v == '1') if a.dtype == np.bool_ else (float(v) if a.dtype.kind == 'f' else int(v))
    a.flush()
    del a
out(res)
`;

for (const backing of ['shm', 'memfd', 'file'] as const) {
  test(`${backing}: NumPy maps the array with mmap_mode='r+', sees the data, and its writes reach Node`, async () => {
    const shm = new ShmSnapshot();
    const dir = mkdtempSync(join(tmpdir(), 'ndshare-core-np-'));
    const arrays = DTYPES.map((dtype) => create({ dtype, shape: [2, 3, 4], backing, ...(backing === 'file' ? { path: join(dir, `${dtype}.npy`) } : {}) }));
    try {
      for (const a of arrays) {
        const [even, odd] = kSample[a.dtype];
        for (let k = 0; k < a.size - 1; k++) put(a.data, k, k % 2 === 0 ? even : odd);
        assert.ok(a.path, 'array has a path NumPy can open');
      }
      const before = arrays.map((a) => sha(a.data));
      const report = await runPython<PyReport[]>(kPy, arrays.map((a) => ({ path: a.path, write: kSample[a.dtype][0] })));
      for (const [i, a] of arrays.entries()) {
        const r = report[i] ?? assert.fail('missing report');
        assert.equal(r.dtype, a.dtype);
        assert.deepEqual(r.shape, [2, 3, 4]);
        assert.equal(r.isMemmap, true, 'NumPy mapped the file rather than reading it');
        assert.equal(r.first, kSample[a.dtype][0], `${a.dtype}: NumPy reads the value Node wrote`);
        assert.equal(r.sha, before[i], `${a.dtype}: checksums agree`);
        assert.equal(get(a.data, a.size - 1), kSample[a.dtype][0], `${a.dtype}: Node sees NumPy's write`);
      }
    } finally {
      for (const a of arrays) {
        a.unlink();
        a.close();
      }
      rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(shm.addedBy(), []);
  });
}
