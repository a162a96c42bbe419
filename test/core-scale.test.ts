/**
 * Arrays over 4 GiB: 6e8 float64 (4.8 GB) on shm, memfd and file (in os.tmpdir(), on disk) are
 * created, attached by a real child, and written at both ends from both sides; or, past V8's
 * TypedArray limit, refused before anything exists. One big array at a time, freed before the
 * next, to keep the shared machine's memory in mind. Skipped (with the reason) if the file system
 * lacks the space.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { create, NdshareError } from '../src/index.js';
import { Agent } from './helpers/agent.js';
import { FdSnapshot } from './helpers/fds.js';
import { ShmSnapshot } from './helpers/shm.js';

const kLength = 600_000_000;
const kBytes = kLength * 8;

function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

for (const backing of ['shm', 'memfd', 'file'] as const) {
  const where = backing === 'file' ? tmpdir() : '/dev/shm';
  const room = freeBytes(where) > kBytes * 1.5;
  test(`${backing}: a 4.8 GB float64 array (6e8 elements) works across processes`, { skip: room ? false : `less than ${(kBytes * 1.5) / 1e9} GB free in ${where}` }, async () => {
    const shm = new ShmSnapshot();
    const fds = new FdSnapshot();
    const dir = mkdtempSync(join(tmpdir(), 'ndshare-core-scale-'));
    const agent = await Agent.child();
    try {
      const a = create({ dtype: 'float64', shape: [kLength], backing, ...(backing === 'file' ? { path: join(dir, 'big.npy') } : {}) });
      try {
        assert.equal(a.nbytes, kBytes);
        assert.ok(a.nbytes > 2 ** 32, 'past the 32-bit byte boundary');
        a.data[0] = 1.5;
        a.data[kLength - 1] = 2.5;
        const id = await agent.attach(a.handle);
        assert.equal(await agent.get(id, kLength - 1), '2.5', 'the child reads past 4 GiB');
        assert.equal(await agent.get(id, 0), '1.5');
        await agent.put(id, kLength - 2, '-7');
        assert.equal(a.data[kLength - 2], -7, "the parent sees the child's write past 4 GiB");
        await agent.ok({ op: 'close', id });
      } finally {
        a.unlink();
        a.close();
      }
    } finally {
      await agent.close();
      rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(shm.addedBy(), []);
    assert.deepEqual(fds.leaked(), []);
  });
}

test('past the limit (uint8 of 5e9 elements): ERR_NDSHARE_TOO_LARGE, and nothing is created', () => {
  const shm = new ShmSnapshot();
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-core-scale-'));
  try {
    for (const backing of ['shm', 'memfd', 'file'] as const) {
      const path = join(dir, 'huge.npy');
      assert.throws(
        () => create({ dtype: 'uint8', shape: [5e9], backing, ...(backing === 'file' ? { path } : {}) }),
        (e: unknown) => e instanceof NdshareError && e.code === 'ERR_NDSHARE_TOO_LARGE' && /^Expected at most 4294967296 elements .* but received \(5000000000\)/.test(e.message),
      );
      assert.equal(existsSync(path), false);
    }
    assert.deepEqual(readdirSync(dir), []);
    assert.deepEqual(shm.addedBy(), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
