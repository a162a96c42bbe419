/**
 * A Dask cluster consumes what ndshare publishes: a LocalCluster of 2 worker processes (Debian's
 * dask and distributed 2022.12, 1 thread each) runs the snippet of docs/distributed.md on a
 * 1e8-element float64 array (800 MB) that ndshare published, and its sum and mean equal ndshare's
 * own. Every Python process (scheduler, nannies, workers) is in one process group, killed at the
 * deadline and checked gone at the end.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { create, publish } from '../src/index.js';
import { deadline } from './helpers/channel.js';
import { alive, untilGone } from './helpers/process.js';
import { kSystemPython } from './helpers/python.js';
import { ShmSnapshot } from './helpers/shm.js';
import { zarrScratch } from './helpers/zarr.js';
import { onceOnMainNode } from './helpers/matrix.js';

const kN = 100_000_000;
const kRowsPerChunk = 5_000_000;

/** The python block after the `<!-- dask-snippet -->` marker of docs/distributed.md. */
function snippet(): string {
  const doc = readFileSync(fileURLToPath(new URL('../../docs/distributed.md', import.meta.url)), 'utf8');
  const m = /<!-- dask-snippet -->\s*```python\n([\s\S]*?)```/.exec(doc);
  return m?.[1] ?? assert.fail('docs/distributed.md has no dask snippet');
}

test('a Dask LocalCluster (2 worker processes) sums and averages a 1e8-element array ndshare published, equal to ndshare', { timeout: 600_000, skip: onceOnMainNode('Dask workers reading a store') }, async () => {
  const shm = new ShmSnapshot();
  const scratch = zarrScratch('zarr-dask');
  let pgid = 0;
  try {
    const a = create({ dtype: 'float64', shape: [kN] });
    // Multiples of 1/4 below 2^51: every partial sum is exact, so any summation order agrees.
    let sum = 0;
    const d = a.data;
    for (let i = 0; i < kN; i++) {
      const v = (i % 1000) * 0.25;
      d[i] = v;
      sum += v;
    }
    const url = join(scratch.dir, 'x.zarr');
    await publish(a, url, { chunks: kRowsPerChunk });
    a.close();

    const script = join(scratch.dir, 'consume.py');
    writeFileSync(script, snippet());
    const p = spawn(kSystemPython, [script, url], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    pgid = p.pid ?? 0;
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    p.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const exit = await deadline(
      new Promise<number | null>((resolve) => p.on('close', (code) => resolve(code))),
      'the Dask snippet to finish',
      420_000,
      () => process.kill(-pgid, 'SIGKILL'),
    );
    assert.equal(exit, 0, `the snippet failed: ${stderr.slice(-3000)}`);
    const r = JSON.parse(stdout.trim().split('\n').pop() ?? '') as { sum: number; mean: number; chunks: number };
    assert.equal(r.chunks, kN / kRowsPerChunk, 'Dask saw the chunks ndshare wrote');
    assert.equal(r.sum, sum);
    assert.equal(r.mean, sum / kN);
  } finally {
    if (pgid > 0) {
      // The scheduler and workers end with the cluster; anything left is killed, and must go.
      if (alive(-pgid)) process.kill(-pgid, 'SIGKILL');
      await untilGone(-pgid, 'every process of the Dask cluster', 30_000);
    }
    scratch.done();
    assert.deepEqual(shm.addedBy(), []);
  }
});
