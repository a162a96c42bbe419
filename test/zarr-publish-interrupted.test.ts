/**
 * A publish killed midway (SIGKILL, after some chunks are written) leaves nothing a reader takes
 * for a complete array: nothing at the URL for a new array (ndshare and zarr-python both find no
 * array), the old array intact when it was replacing one; and the next publish to that URL
 * removes the dead writer's leftovers.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { create, fetchArray, publish } from '../src/index.js';
import { FixtureChild } from './helpers/child.js';
import { kSystemPython, runPython } from './helpers/python.js';
import { ShmSnapshot } from './helpers/shm.js';
import { rejectsNdshare, zarrScratch } from './helpers/zarr.js';

interface Said {
  state: 'ready' | 'mid' | 'finished' | 'failed';
  bytes?: number;
  total?: number;
  message?: string;
}

async function killMidway(url: string, value: number, overwrite: boolean): Promise<void> {
  const child = new FixtureChild<Said>('zarr-publisher', { watchdogMs: 60_000 });
  try {
    assert.equal((await child.next("'ready'")).state, 'ready');
    child.send({ url, value, overwrite });
    const mid = await child.next("'mid'");
    assert.equal(mid.state, 'mid', mid.message);
    assert.ok((mid.bytes ?? 0) < (mid.total ?? 0), 'killed before the last chunk');
    child.kill('SIGKILL');
    assert.equal((await child.exited).signal, 'SIGKILL');
  } finally {
    await child.close();
  }
}

const kPyOpen = `
import zarr
res = []
for p in INPUT:
    try:
        z = zarr.open_array(p, mode='r')
        res.append({'state': 'opened', 'first': float(z[0, 0]), 'shape': list(z.shape)})
    except Exception as e:
        res.append({'state': 'refused', 'error': type(e).__name__})
out(res)
`;

test('a publish SIGKILLed midway leaves no array a reader would take for complete, and an old array intact', async () => {
  const shm = new ShmSnapshot();
  const scratch = zarrScratch('zarr-kill');
  const fresh = join(scratch.dir, 'fresh.zarr');
  const replaced = join(scratch.dir, 'replaced.zarr');
  try {
    const old = create({ dtype: 'float64', shape: [400, 1000], fill: 1, backing: 'heap' });
    await publish(old, replaced, { chunks: 10 });
    old.close();

    await killMidway(fresh, 2, false);
    await killMidway(replaced, 3, true);
    assert.ok(readdirSync(scratch.dir).some((n) => n.includes('.ndshare-tmp-')), 'the dead writers left their staging directories');

    await rejectsNdshare(fetchArray(fresh), 'ERR_NDSHARE_ZARR_NOT_FOUND');
    const kept = await fetchArray(replaced, { cache: false });
    assert.ok(kept.data.every((v) => v === 1), 'the array being replaced is still the old one, whole');
    kept.close();
    const py = await runPython<Array<{ state: string; first?: number }>>(kPyOpen, [fresh, replaced], 60_000, kSystemPython);
    assert.equal(py[0]?.state, 'refused', 'zarr-python finds no array where the killed publish was writing');
    assert.deepEqual(py[1], { state: 'opened', first: 1, shape: [400, 1000] });

    const next = create({ dtype: 'float64', shape: [400, 1000], fill: 4, backing: 'heap' });
    await publish(next, fresh, { chunks: 10 });
    await publish(next, replaced, { chunks: 10, overwrite: true });
    next.close();
    assert.deepEqual(readdirSync(scratch.dir).filter((n) => n.includes('.ndshare-tmp-')), [], "the next publish removed the dead writers' leftovers");
    const now = await fetchArray(replaced, { cache: false });
    assert.ok(now.data.every((v) => v === 4));
    now.close();
  } finally {
    scratch.done();
    assert.deepEqual(shm.addedBy(), []);
  }
});
