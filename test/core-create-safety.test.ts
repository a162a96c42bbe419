/**
 * What create() promises about the objects it makes: shm segments and files are mode 0600 (files:
 * the requested mode) whatever the umask, owned by this user, named /ndshare-<pid>-<32 hex> with
 * fresh random bits each time, and hold all their blocks from the start (posix_fallocate or the
 * fill's writes), so a later write can never hit a full file system.
 */
import assert from 'node:assert/strict';
import { closeSync, fstatSync, ftruncateSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { create } from '../src/index.js';
import { ShmSnapshot } from './helpers/shm.js';

test('shm segments: mode 0600 under a permissive umask, own uid, 128-bit random names', () => {
  const shm = new ShmSnapshot();
  const old = process.umask(0);
  const names = new Set<string>();
  try {
    for (let i = 0; i < 20; i++) {
      const a = create({ dtype: 'uint8', shape: [10], backing: 'shm' });
      const path = a.path ?? assert.fail('no path');
      const st = statSync(path);
      assert.equal(st.mode & 0o777, 0o600);
      assert.equal(st.uid, process.getuid?.());
      const name = path.slice('/dev/shm/'.length);
      assert.match(name, new RegExp(`^ndshare-${process.pid}-[0-9a-f]{32}$`));
      names.add(name.split('-')[2] ?? '');
      a.close();
    }
  } finally {
    process.umask(old);
  }
  assert.equal(names.size, 20, 'every name has fresh random bits');
  assert.deepEqual(shm.addedBy(), []);
});

test("files: default mode 0600, options.mode honoured exactly, whatever the umask", () => {
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-core-safe-'));
  const old = process.umask(0o077);
  try {
    const a = create({ dtype: 'uint8', shape: [1], backing: 'file', path: join(dir, 'a.npy') });
    assert.equal(statSync(join(dir, 'a.npy')).mode & 0o777, 0o600);
    a.close();
    const b = create({ dtype: 'uint8', shape: [1], backing: 'file', path: join(dir, 'b.npy'), mode: 0o644 });
    assert.equal(statSync(join(dir, 'b.npy')).mode & 0o777, 0o644, 'the umask does not narrow an explicit mode');
    b.close();
  } finally {
    process.umask(old);
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const backing of ['shm', 'memfd', 'file'] as const) {
  for (const filled of [false, true]) {
    test(`${backing}${filled ? ', filled' : ''}: every block is allocated at create (no sparse holes)`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'ndshare-core-safe-'));
      const a = create({ dtype: 'float64', shape: [1 << 20], backing, ...(filled ? { fill: 1 } : {}), ...(backing === 'file' ? { path: join(dir, 'r.npy') } : {}) });
      try {
        const path = a.path ?? assert.fail('no path');
        const fd = openSync(path, 'r');
        try {
          const st = fstatSync(fd);
          assert.equal(st.size, 4096 + 8 * (1 << 20));
          assert.ok(st.blocks * 512 >= st.size, `allocated ${st.blocks * 512} bytes of ${st.size}`);
        } finally {
          closeSync(fd);
        }
      } finally {
        a.unlink();
        a.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}

test('negative control: a sparse file (ftruncate only) is detected by the same check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-core-safe-'));
  try {
    const p = join(dir, 'sparse');
    const fd = openSync(p, 'w');
    try {
      // Extend to 8 MiB without writing: a hole, as ftruncate leaves it.
      ftruncateSync(fd, 8 << 20);
      const st = fstatSync(fd);
      assert.ok(st.blocks * 512 < st.size);
    } finally {
      closeSync(fd);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
