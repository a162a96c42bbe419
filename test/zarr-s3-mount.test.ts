/**
 * An S3-compatible bucket (AWS S3, MinIO, Ceph radosgw) mounted as a file system (s3fs, rclone
 * mount, goofys) is a store like any other: publish there, fetch back equal, zarr-python reads it.
 * Needs a real endpoint, so it runs only when NDSHARE_TEST_S3_MOUNT names a writable directory on
 * such a mount; otherwise it is reported as skipped (no S3 server is packaged for this machine).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { create, fetchArray, publish } from '../src/index.js';
import { kSystemPython, runPython } from './helpers/python.js';
import { sha } from './helpers/values.js';
import { fillPattern, zarrScratch } from './helpers/zarr.js';

const kMount = process.env['NDSHARE_TEST_S3_MOUNT'];

test('a mounted S3-compatible bucket: publish, fetch back equal, zarr-python reads it', { skip: kMount ? false : 'set NDSHARE_TEST_S3_MOUNT to a directory on a mounted S3/MinIO/Ceph bucket to run this' }, async () => {
  const scratch = zarrScratch('zarr-s3');
  const url = join(kMount ?? '', `ndshare-test-${process.pid}-${randomBytes(4).toString('hex')}.zarr`);
  const a = create({ dtype: 'float64', shape: [1000, 13], backing: 'heap' });
  try {
    fillPattern('float64', a.data);
    await publish(a, url, { chunks: 300, compressor: 'zlib' });
    const back = await fetchArray(url);
    assert.equal(sha(back.data), sha(a.data));
    back.close();
    const py = await runPython<{ sha: string }>(`import zarr\nout({'sha': sha(zarr.open(INPUT, mode='r')[...])})`, url, 120_000, kSystemPython);
    assert.equal(py.sha, sha(a.data));
  } finally {
    a.close();
    rmSync(url, { recursive: true, force: true });
    scratch.done();
  }
});
