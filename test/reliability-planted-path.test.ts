/**
 * A file, or a symlink, planted where ndshare is about to create gives EEXIST (or ELOOP), and the
 * victim is untouched: create() opens with O_CREAT|O_EXCL|O_NOFOLLOW and never unlinks what it did
 * not create. For the 'file' backing the path is the caller's; shm names are random, so the test
 * forces the name by making the random source predictable for one call (node:crypto's
 * randomBytes, swapped through syncBuiltinESMExports), which runs create()'s real code path.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { create, NdshareError } from '../src/index.js';
import { ShmSnapshot } from './helpers/shm.js';

const kVictimText = 'victim: must not change\n';

function refused(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof NdshareError, String(err));
    assert.ok(err.code === 'EEXIST' || err.code === 'ELOOP', `EEXIST or ELOOP, got ${err.code}: ${err.message}`);
    return err.code;
  }
  return assert.fail('Expected the create to be refused');
}

function snapshot(path: string) {
  const st = statSync(path);
  return { text: readFileSync(path, 'utf8'), mode: st.mode, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
}

/** Runs `fn` with node:crypto's randomBytes returning `fixed`, so newSegmentName() is predictable. */
function withFixedRandom<T>(fixed: Buffer, fn: () => T): T {
  const real = crypto.randomBytes;
  crypto.randomBytes = ((n: number) => Buffer.from(fixed.subarray(0, n))) as typeof crypto.randomBytes;
  syncBuiltinESMExports();
  try {
    return fn();
  } finally {
    crypto.randomBytes = real;
    syncBuiltinESMExports();
  }
}

test('planted files and symlinks at the target path are refused and left untouched', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-planted-'));
  const shm = new ShmSnapshot();
  const victim = join(dir, 'victim.txt');
  writeFileSync(victim, kVictimText, { mode: 0o644 });
  const before = snapshot(victim);
  const codes: string[] = [];
  const fixed = crypto.randomBytes(16);
  const shmName = `ndshare-${process.pid}-${fixed.toString('hex')}`;
  const shmPath = `/dev/shm/${shmName}`;
  try {
    await t.test("backing 'file': a regular file at the path", () => {
      codes.push(refused(() => create({ dtype: 'float64', shape: [10], backing: 'file', path: victim })));
      assert.deepEqual(snapshot(victim), before);
    });
    await t.test("backing 'file': a symlink to the victim", () => {
      const link = join(dir, 'link.npy');
      symlinkSync(victim, link);
      codes.push(refused(() => create({ dtype: 'float64', shape: [10], backing: 'file', path: link, fill: 1 })));
      assert.ok(lstatSync(link).isSymbolicLink());
      assert.deepEqual(snapshot(victim), before);
    });
    await t.test("backing 'file': a dangling symlink does not create its target", () => {
      const target = join(dir, 'would-be-created');
      const link = join(dir, 'dangling.npy');
      symlinkSync(target, link);
      codes.push(refused(() => create({ dtype: 'uint8', shape: [10], backing: 'file', path: link })));
      assert.ok(!existsSync(target));
    });
    await t.test('shm: a file planted under the name create() is about to use', () => {
      // Control: the seam really forces the name (a create with it succeeds when nothing is planted).
      const control = withFixedRandom(fixed, () => create({ dtype: 'uint8', shape: [4] }));
      assert.equal(control.path, shmPath);
      control.close();
      writeFileSync(shmPath, kVictimText, { mode: 0o600 });
      const planted = snapshot(shmPath);
      try {
        codes.push(refused(() => withFixedRandom(fixed, () => create({ dtype: 'float64', shape: [1000], fill: 3 }))));
        assert.deepEqual(snapshot(shmPath), planted, 'the planted segment is untouched');
      } finally {
        unlinkSync(shmPath);
      }
    });
    await t.test('shm: a symlink planted under that name, pointing at the victim', () => {
      symlinkSync(victim, shmPath);
      try {
        codes.push(refused(() => withFixedRandom(fixed, () => create({ dtype: 'float64', shape: [1000], fill: 3 }))));
        assert.ok(lstatSync(shmPath).isSymbolicLink());
        assert.deepEqual(snapshot(victim), before);
      } finally {
        unlinkSync(shmPath);
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  t.diagnostic(`codes: ${codes.join(', ')}`);
  assert.deepEqual(shm.addedBy(), []);
});
