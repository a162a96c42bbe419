/**
 * The per-host cache: a fetch in one process is mapped, not read again, by a fetch of the same
 * unchanged array in another process (same file, same inode); a changed chunk makes a new version
 * (and the old entry goes); listCache() shows entries with their URL; evictCache() removes them.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { create, evictCache, fetchArray, listCache, publish } from '../src/index.js';
import { FixtureChild } from './helpers/child.js';
import { ShmSnapshot } from './helpers/shm.js';
import { sha } from './helpers/values.js';
import { zarrScratch } from './helpers/zarr.js';

type Said = { ready: true } | { ok: true; path: string; ino: number; sha: string } | { ok: false; message: string };

async function fetchInChild(url: string): Promise<{ path: string; ino: number; sha: string }> {
  const child = new FixtureChild<Said>('zarr-fetcher', { watchdogMs: 60_000 });
  try {
    await child.next("'ready'");
    const r = await child.request({ url });
    if (!('ok' in r) || !r.ok) assert.fail(`child fetch failed: ${JSON.stringify(r)}`);
    return r;
  } finally {
    await child.close();
  }
}

test('a second fetch of an unchanged array, in another process, maps the cached copy; a change makes a new one', async () => {
  const shm = new ShmSnapshot();
  const scratch = zarrScratch('zarr-cache');
  const url = join(scratch.dir, 'a.zarr');
  try {
    const a = create({ dtype: 'int32', shape: [1000, 10], backing: 'heap' });
    for (let i = 0; i < a.size; i++) a.data[i] = i;
    await publish(a, url, { chunks: 128, compressor: 'zlib' });

    const first = await fetchInChild(url);
    assert.equal(first.sha, sha(a.data));
    assert.ok(first.path.startsWith(join(scratch.dir, `ndshare-cache-${process.geteuid?.()}`)), first.path);
    const second = await fetchInChild(url);
    assert.equal(second.path, first.path, 'the same cache entry');
    assert.equal(second.ino, first.ino, 'the same file, not a re-read copy');
    const here = await fetchArray(url);
    assert.equal(here.path, first.path);
    assert.equal(here.mode, 'r', 'cached arrays map private by default: the entry never changes');
    here.data[0] = -1;
    here.close();
    assert.equal((await fetchInChild(url)).sha, sha(a.data), "a private write does not reach the entry");

    const entries = listCache();
    assert.equal(entries.length, 1);
    assert.equal(entries[0]?.url, `file://${url}`);
    assert.deepEqual(entries[0]?.shape, [1000, 10]);

    a.data[5000] = 42;
    await publish(a, url, { chunks: 128, compressor: 'zlib', overwrite: true });
    const changed = await fetchInChild(url);
    assert.notEqual(changed.path, first.path, 'a new version');
    assert.equal(changed.sha, sha(a.data));
    assert.equal(statSync(first.path, { throwIfNoEntry: false }), undefined, 'the old version is gone');
    assert.equal(listCache().length, 1);

    const rows = await fetchArray(url, { rows: [100, 300] });
    assert.equal(rows.data[0], 1000);
    rows.close();
    assert.equal(listCache().length, 2, 'a window is its own entry');
    assert.equal(evictCache(`file://${url}`).length, 2);
    assert.deepEqual(listCache(), []);
    a.close();
  } finally {
    scratch.done();
    assert.deepEqual(shm.addedBy(), []);
  }
});
