/**
 * 1,000 create/close cycles over every fd-backed backing: afterwards this process holds no more
 * fds than before and /dev/shm has no segment of ours. Leaked fds would also keep liveness locks
 * (and so segments) alive forever.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { attach, create, type Backing } from '../src/index.js';
import { FdSnapshot, openFds } from './helpers/fds.js';
import { ShmSnapshot } from './helpers/shm.js';

const kCycles = 1000;

test(`${kCycles} create/close cycles leave the fd count and /dev/shm at baseline`, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-cycles-'));
  const shm = new ShmSnapshot();
  const fds = new FdSnapshot();
  const countBefore = openFds().size;
  const backings: Backing[] = ['shm', 'shm', 'memfd', 'file'];
  try {
    for (let i = 0; i < kCycles; i++) {
      const backing = backings[i % backings.length] ?? 'shm';
      const a = create({ dtype: 'float32', shape: [32, 32], backing, ...(backing === 'file' ? { path: join(dir, `a${i}.npy`) } : {}) });
      (a.data as Float32Array)[0] = i;
      // Every tenth shm array is also attached (a second fd and lock) before both are closed.
      if (backing === 'shm' && i % 10 === 0) {
        const b = attach(a.handle);
        assert.equal((b.data as Float32Array)[0], i);
        b.close();
      }
      if (backing === 'file') a.unlink();
      a.close();
    }
    assert.deepEqual(fds.leaked(), [], 'no ndshare fd is left open');
    assert.equal(openFds().size, countBefore, 'the fd count is back to baseline');
    assert.deepEqual(shm.addedBy(), [], '/dev/shm is back to baseline');
    assert.deepEqual(readdirSync(dir), [], 'every file was removed');
    t.diagnostic(`fds before and after: ${countBefore}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
