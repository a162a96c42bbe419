/**
 * zarr-python -> ndshare: arrays Debian's zarr-python 2.13 writes (its default blosc compressor,
 * zlib, gzip, zstd, lz4 and raw; every dtype; 1-d and 3-d; ragged edge chunks) are fetched by
 * ndshare with equal values, dtype and shape, whole and as a range of rows.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fetchArray } from '../src/index.js';
import { kSystemPython, runPython } from './helpers/python.js';
import { ShmSnapshot } from './helpers/shm.js';
import { sha } from './helpers/values.js';
import { zarrScratch } from './helpers/zarr.js';

const kPy = `
import zarr, numcodecs
codecs = {'default': 'default', 'none': None, 'zlib': numcodecs.Zlib(level=3), 'gzip': numcodecs.GZip(level=5),
          'zstd': numcodecs.Zstd(level=3), 'lz4': numcodecs.LZ4(), 'blosc-zstd': numcodecs.Blosc(cname='zstd', clevel=3, shuffle=numcodecs.Blosc.BITSHUFFLE)}
res = []
for item in INPUT:
    shape = tuple(item['shape'])
    n = int(np.prod(shape))
    dt = np.dtype(item['dtype'])
    if dt.kind == 'b':
        a = (np.arange(n) % 3 == 0)
    elif dt.kind == 'f':
        a = np.arange(n, dtype=dt) * dt.type(0.625) - dt.type(3.5)
    else:
        a = (np.arange(n, dtype=np.int64) * 7919 - 77).astype(dt)
    a = a.reshape(shape)
    kw = {} if item['codec'] == 'default' else {'compressor': codecs[item['codec']]}
    z = zarr.open(item['path'], mode='w', shape=shape, chunks=tuple(item['chunks']), dtype=dt, **kw)
    z[...] = a
    r0, r1 = item['rows']
    res.append({'sha': sha(a), 'rowsSha': sha(a[r0:r1]), 'compressor': None if z.compressor is None else z.compressor.codec_id})
out(res)
`;

const kDtypes = ['bool', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32', 'float64'];
const kCodecs = ['default', 'none', 'zlib', 'gzip', 'zstd', 'lz4', 'blosc-zstd'];

test('ndshare fetches what zarr-python 2.13 writes (every codec it uses by default or on request), whole and by rows', async () => {
  const shm = new ShmSnapshot();
  const scratch = zarrScratch('zarr-fetch');
  try {
    const items = kCodecs.flatMap((codec, k) =>
      kDtypes.map((dtype, j) => {
        const three = (j + k) % 2 === 0;
        return { path: join(scratch.dir, `${codec}-${dtype}`), dtype, codec, shape: three ? [11, 4, 5] : [1234], chunks: three ? [4, 3, 5] : [100], rows: three ? [3, 9] : [150, 1001] };
      }),
    );
    const report = await runPython<Array<{ sha: string; rowsSha: string; compressor: string | null }>>(kPy, items, 120_000, kSystemPython);
    assert.equal(report[0]?.compressor, 'blosc', "zarr-python's default compressor is blosc");
    for (const [i, item] of items.entries()) {
      const r = report[i] ?? assert.fail('missing report');
      const whole = await fetchArray(item.path, { cache: false });
      const part = await fetchArray(item.path, { cache: true, rows: item.rows as [number, number] });
      try {
        assert.equal(whole.dtype, item.dtype, item.path);
        assert.deepEqual(whole.shape, item.shape, item.path);
        assert.equal(whole.backing, 'shm', 'an uncached fetch lands in a shm segment');
        assert.equal(sha(whole.data), r.sha, `${item.path}: values equal`);
        assert.deepEqual(part.shape, [(item.rows[1] ?? 0) - (item.rows[0] ?? 0), ...item.shape.slice(1)]);
        assert.equal(sha(part.data), r.rowsSha, `${item.path}: rows ${item.rows.join(':')} equal`);
      } finally {
        whole.close();
        part.close();
      }
    }
  } finally {
    scratch.done();
    assert.deepEqual(shm.addedBy(), []);
  }
});
