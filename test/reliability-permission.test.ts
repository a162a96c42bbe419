/**
 * attach() refuses a segment that another uid owns, or that is group- or world-accessible, with
 * ERR_NDSHARE_PERMISSION: such a segment may have been planted or tampered with. Runs as root so
 * that it can chown the segment to nobody; the positive control attaches it once it is 0600 and ours
 * again.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync } from 'node:fs';
import { test } from 'node:test';
import { attach, create, NdshareError, type Handle } from '../src/index.js';
import { ShmSnapshot } from './helpers/shm.js';

const kNobody = 65534;

function refused(handle: Handle): NdshareError {
  try {
    attach(handle).close();
  } catch (err) {
    assert.ok(err instanceof NdshareError, String(err));
    assert.equal(err.code, 'ERR_NDSHARE_PERMISSION', err.message);
    return err;
  }
  return assert.fail('Expected attach to refuse the segment');
}

test('attach refuses segments of another uid or with group/world access', { skip: process.getuid?.() === 0 ? undefined : 'needs root to chown' }, () => {
  const shm = new ShmSnapshot();
  const owner = create({ dtype: 'int32', shape: [8], fill: 5 });
  const path = owner.path ?? '';
  try {
    chownSync(path, kNobody, kNobody);
    assert.match(refused(owner.handle).message, /belong to uid 0 but it belongs to uid 65534/);
    chownSync(path, 0, 0);
    for (const mode of [0o644, 0o660, 0o604, 0o606, 0o640]) {
      chmodSync(path, mode);
      assert.match(refused(owner.handle).message, new RegExp(`mode 0600 but it has 0${mode.toString(8)}`));
    }
    chmodSync(path, 0o600);
    const ok = attach(owner.handle);
    assert.deepEqual([...(ok.data as Int32Array)], [5, 5, 5, 5, 5, 5, 5, 5], 'positive control: a 0600 segment of ours attaches');
    ok.close();
  } finally {
    owner.close();
  }
  assert.deepEqual(shm.addedBy(), []);
});
