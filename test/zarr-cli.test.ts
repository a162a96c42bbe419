/**
 * `ndshare publish` and `ndshare fetch`: a segment (by name) and a .npy file published, fetched
 * back into the cache (the path on stdout, the handle with --json), listed, counted by `ndshare
 * ls`, evicted; usage errors exit 2 and runtime errors 1; and one real spawn of the binary.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { attach, create, open, type Handle } from '../src/index.js';
import { runCli } from './helpers/bench.js';
import { ShmSnapshot } from './helpers/shm.js';
import { sha } from './helpers/values.js';
import { zarrScratch } from './helpers/zarr.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await runCli(argv);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

test('ndshare publish / fetch: segment and .npy in, cache path and handle out, list, ls, evict, exit codes', async () => {
  const shm = new ShmSnapshot();
  const scratch = zarrScratch('zarr-cli');
  const seg = create({ dtype: 'uint16', shape: [500, 3] });
  const file = create({ dtype: 'float32', shape: [64], backing: 'file', path: join(scratch.dir, 'in.npy') });
  try {
    for (let i = 0; i < seg.size; i++) seg.data[i] = i;
    file.data.fill(0.5);
    const a = join(scratch.dir, 'a.zarr');
    const b = join(scratch.dir, 'b.zarr');
    const pub = await run(['publish', seg.handle.backing === 'shm' ? (seg.handle as { name: string }).name : '', a, '--chunks', '128', '--compressor', 'zlib']);
    assert.equal(pub.code, 0, pub.err);
    assert.equal(pub.out, `file://${a}\n`);
    assert.equal(pub.err, '', 'no progress line when stderr is not a terminal');
    const pubFile = await run(['publish', join(scratch.dir, 'in.npy'), b, '--format', '3', '--json']);
    assert.equal(pubFile.code, 0, pubFile.err);
    assert.equal((JSON.parse(pubFile.out) as { format: number }).format, 3);

    const got = await run(['fetch', a]);
    assert.equal(got.code, 0, got.err);
    const path = got.out.trim();
    const mapped = open(path, { mode: 'r' });
    assert.equal(sha(mapped.data), sha(seg.data));
    mapped.close();
    const json = await run(['fetch', `file://${b}`, '--json']);
    const fetched = JSON.parse(json.out) as { path: string; handle: Handle; shape: number[] };
    const viaHandle = attach(fetched.handle, { mode: 'r' });
    assert.equal(viaHandle.data[63], 0.5);
    viaHandle.close();
    const rows = await run(['fetch', a, '--rows', '100:200', '--json']);
    assert.deepEqual((JSON.parse(rows.out) as { shape: number[] }).shape, [100, 3]);

    const list = await run(['fetch', '--list']);
    assert.equal(list.out.trim().split('\n').length, 3, list.out);
    const ls = await run(['ls']);
    assert.match(ls.out, /3 fetched Zarr array\(s\) .* 'ndshare fetch --list'/);
    assert.equal((await run(['fetch', '--evict', a])).out, 'removed 2 cached array(s)\n');
    assert.equal(existsSync(path), false);
    assert.equal((await run(['fetch', '--evict-all'])).out, 'removed 1 cached array(s)\n');

    for (const argv of [['publish'], ['publish', 'x'], ['publish', 'x', 'y', 'z'], ['publish', 'x', 'y', '--compressor', 'lzma'], ['publish', 'x', 'y', '--chunks', '0.5'], ['publish', 'x', 'y', '--format', '4'], ['fetch'], ['fetch', a, '--rows', '5'], ['fetch', a, '--bogus'], ['fetch', '--list', a]]) {
      const r = await run(argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
      // The CLI-wide usage error: the reason, then where the usage is (src/cli/main.ts).
      assert.match(r.err, new RegExp(`^ndshare ${argv[0]}: ERR_NDSHARE_INVALID_ARGUMENT: Expected .+\\nRun 'ndshare ${argv[0]} --help' for its usage\\.\\n$`, 's'));
    }
    const missing = await run(['fetch', join(scratch.dir, 'none.zarr')]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /^ndshare fetch: ERR_NDSHARE_ZARR_NOT_FOUND: Expected a Zarr store/);
    const exists = await run(['publish', join(scratch.dir, 'in.npy'), b]);
    assert.equal(exists.code, 1);
    assert.match(exists.err, /EEXIST/);

    const bin = fileURLToPath(new URL('../../bin/ndshare.js', import.meta.url));
    const real = spawnSync(process.execPath, [bin, 'fetch', b], { encoding: 'utf8', timeout: 60_000, env: process.env });
    assert.equal(real.status, 0, real.stderr);
    assert.match(real.stdout, /ndshare-cache-\d+\/[0-9a-f]{32}\.[0-9a-f]{16}\.npy\n$/);
  } finally {
    seg.close();
    file.close();
    scratch.done();
    assert.deepEqual(shm.addedBy(), []);
  }
});
