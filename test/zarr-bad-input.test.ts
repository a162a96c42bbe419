/**
 * Bad stores give typed errors, never a crash or a wrong array: a missing store, a group without an
 * array, corrupt and truncated metadata, a missing chunk, a truncated or corrupt chunk, an
 * unsupported codec, dtype or layout, and a store URL ndshare does not reach.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync, mkdirSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { create, fetchArray, publish } from '../src/index.js';
import { ShmSnapshot } from './helpers/shm.js';
import { rejectsNdshare, zarrScratch } from './helpers/zarr.js';

test('bad stores, metadata and chunks are refused with typed NdshareErrors', async () => {
  const shm = new ShmSnapshot();
  const scratch = zarrScratch('zarr-bad');
  const a = create({ dtype: 'float64', shape: [100, 4] });
  try {
    a.data.fill(1.5);
    const fresh = async (name: string, options: Parameters<typeof publish>[2] = { chunks: 30 }) => {
      const path = join(scratch.dir, name);
      await publish(a, path, options);
      return path;
    };
    const edit = (path: string, key: string, f: (doc: Record<string, unknown>) => void) => {
      const doc = JSON.parse(readFileSync(join(path, key), 'utf8')) as Record<string, unknown>;
      f(doc);
      writeFileSync(join(path, key), JSON.stringify(doc));
    };

    await rejectsNdshare(fetchArray(join(scratch.dir, 'nothing-here')), 'ERR_NDSHARE_ZARR_NOT_FOUND');
    mkdirSync(join(scratch.dir, 'group'));
    writeFileSync(join(scratch.dir, 'group', '.zgroup'), '{"zarr_format": 2}');
    await rejectsNdshare(fetchArray(join(scratch.dir, 'group')), 'ERR_NDSHARE_ZARR_NOT_FOUND');

    const corrupt = await fresh('corrupt');
    writeFileSync(join(corrupt, '.zarray'), '{"zarr_format": 2, "shape": [100, 4], "chunks": ');
    await rejectsNdshare(fetchArray(corrupt), 'ERR_NDSHARE_ZARR_BAD_METADATA');

    const truncated = await fresh('truncated');
    truncateSync(join(truncated, '.zarray'), 40);
    await rejectsNdshare(fetchArray(truncated), 'ERR_NDSHARE_ZARR_BAD_METADATA');

    const wrongShape = await fresh('wrong-shape');
    edit(wrongShape, '.zarray', (d) => (d['shape'] = [100, -4]));
    await rejectsNdshare(fetchArray(wrongShape), 'ERR_NDSHARE_ZARR_BAD_METADATA');

    const missing = await fresh('missing-chunk');
    rmSync(join(missing, '2.0'));
    await rejectsNdshare(fetchArray(missing), 'ERR_NDSHARE_ZARR_MISSING_CHUNK');
    const filled = await fetchArray(missing, { missingChunks: 'fill', cache: false });
    assert.equal(filled.data[60 * 4], 0, "with missingChunks: 'fill', the missing chunk reads as the fill value");
    assert.equal(filled.data[0], 1.5);
    filled.close();

    const short = await fresh('short-chunk');
    truncateSync(join(short, '1.0'), 100);
    await rejectsNdshare(fetchArray(short), 'ERR_NDSHARE_ZARR_BAD_CHUNK');

    const garbled = await fresh('garbled', { chunks: 30, compressor: 'zlib' });
    writeFileSync(join(garbled, '0.0'), 'not deflate at all');
    await rejectsNdshare(fetchArray(garbled), 'ERR_NDSHARE_ZARR_BAD_CHUNK');

    const codec = await fresh('codec');
    edit(codec, '.zarray', (d) => (d['compressor'] = { id: 'bz2', level: 1 }));
    await rejectsNdshare(fetchArray(codec), 'ERR_NDSHARE_ZARR_UNSUPPORTED');

    const filters = await fresh('filters');
    edit(filters, '.zarray', (d) => (d['filters'] = [{ id: 'delta', dtype: '<f8' }]));
    await rejectsNdshare(fetchArray(filters), 'ERR_NDSHARE_ZARR_UNSUPPORTED');

    const fortran = await fresh('fortran');
    edit(fortran, '.zarray', (d) => (d['order'] = 'F'));
    await rejectsNdshare(fetchArray(fortran), 'ERR_NDSHARE_ZARR_UNSUPPORTED');

    for (const dtype of ['<U8', '<c16', '<M8[ns]', '|O']) {
      const bad = await fresh(`dtype-${dtype.replace(/\W/g, '')}`);
      edit(bad, '.zarray', (d) => (d['dtype'] = dtype));
      await rejectsNdshare(fetchArray(bad), 'ERR_NDSHARE_INVALID_DTYPE');
    }
    const bigEndian = await fresh('big-endian');
    edit(bigEndian, '.zarray', (d) => (d['dtype'] = '>f8'));
    await rejectsNdshare(fetchArray(bigEndian), 'ERR_NDSHARE_ZARR_UNSUPPORTED');

    const v3 = await fresh('v3', { chunks: 30, format: 3 });
    edit(v3, 'zarr.json', (d) => (d['data_type'] = 'complex128'));
    await rejectsNdshare(fetchArray(v3), 'ERR_NDSHARE_INVALID_DTYPE');
    const sharded = await fresh('v3-sharded', { chunks: 30, format: 3 });
    edit(sharded, 'zarr.json', (d) => (d['codecs'] = [{ name: 'sharding_indexed', configuration: {} }]));
    await rejectsNdshare(fetchArray(sharded), 'ERR_NDSHARE_ZARR_UNSUPPORTED');

    await rejectsNdshare(fetchArray('s3://bucket/array.zarr'), 'ERR_NDSHARE_ZARR_UNSUPPORTED');
    await rejectsNdshare(publish(a, join(scratch.dir, 'corrupt')), 'EEXIST', /^Expected no file or directory/);
    await rejectsNdshare(publish(a, join(scratch.dir, 'x'), { compressor: 'lzma' as 'zlib' }), 'ERR_NDSHARE_INVALID_ARGUMENT');
    await rejectsNdshare(publish(a, join(scratch.dir, 'x'), { chunks: [0, 4] }), 'ERR_NDSHARE_INVALID_ARGUMENT');
    await rejectsNdshare(fetchArray(corrupt.replace('corrupt', 'truncated'), { rows: [50, 200] }), 'ERR_NDSHARE_ZARR_BAD_METADATA');
  } finally {
    a.close();
    scratch.done();
    assert.deepEqual(shm.addedBy(), []);
  }
});
