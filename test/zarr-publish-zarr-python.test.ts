/**
 * ndshare -> zarr-python: arrays ndshare publishes (every dtype, 1-d and 3-d, chunks that do not
 * divide the shape, raw and compressed) are read by Debian's zarr-python 2.13 with equal values,
 * dtype and shape.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { create, DTYPES, publish, type Compressor } from '../src/index.js';
import { kSystemPython, runPython } from './helpers/python.js';
import { ShmSnapshot } from './helpers/shm.js';
import { sha } from './helpers/values.js';
import { fillPattern, zarrScratch } from './helpers/zarr.js';

const kPy = `
import zarr
res = []
for item in INPUT:
    z = zarr.open(item['path'], mode='r')
    a = z[...]
    res.append({'dtype': str(a.dtype), 'shape': list(a.shape), 'chunks': list(z.chunks), 'sha': sha(a),
                'compressor': None if z.compressor is None else z.compressor.codec_id})
out(res)
`;

const kCases: ReadonlyArray<{ shape: number[]; chunks: number[]; compressor: Compressor }> = [
  { shape: [1000], chunks: [333], compressor: 'none' },
  { shape: [7, 5, 3], chunks: [3, 2, 2], compressor: 'zlib' },
  { shape: [9, 4, 6], chunks: [4, 4, 6], compressor: 'gzip' },
  { shape: [10, 3, 3], chunks: [4, 3, 2], compressor: 'blosc' },
  { shape: [5, 6, 7], chunks: [2, 6, 7], compressor: 'none' },
];

test('zarr-python 2.13 reads what ndshare publishes: equal values, dtype, shape, chunks and codec', async () => {
  const shm = new ShmSnapshot();
  const scratch = zarrScratch('zarr-pub');
  const items: Array<{ path: string; dtype: string; shape: number[]; chunks: number[]; compressor: Compressor; sha: string }> = [];
  try {
    for (const [k, c] of kCases.entries()) {
      for (const dtype of DTYPES) {
        const a = create({ dtype, shape: c.shape });
        try {
          fillPattern(dtype, a.data);
          const path = join(scratch.dir, `${k}-${dtype}`);
          const r = await publish(a, path, { chunks: c.chunks, compressor: c.compressor });
          assert.equal(r.format, 2);
          items.push({ path, dtype, shape: c.shape, chunks: c.chunks, compressor: c.compressor, sha: sha(a.data) });
        } finally {
          a.close();
        }
      }
    }
    const report = await runPython<Array<{ dtype: string; shape: number[]; chunks: number[]; sha: string; compressor: string | null }>>(kPy, items, 120_000, kSystemPython);
    assert.equal(report.length, items.length);
    for (const [i, item] of items.entries()) {
      const r = report[i] ?? assert.fail('missing report');
      const label = `${item.path} (${item.compressor})`;
      assert.equal(r.dtype, item.dtype, label);
      assert.deepEqual(r.shape, item.shape, label);
      assert.deepEqual(r.chunks, item.chunks, label);
      assert.equal(r.compressor, item.compressor === 'none' ? null : item.compressor, label);
      assert.equal(r.sha, item.sha, `${label}: zarr-python reads the values ndshare wrote`);
    }
  } finally {
    scratch.done();
    assert.deepEqual(shm.addedBy(), []);
  }
});
