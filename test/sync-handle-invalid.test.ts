/**
 * Every malformed or mismatched sync handle gets ERR_NDSHARE_INVALID_HANDLE (or a typed argument
 * error), never a crash: wrong envelope, wrong kind, a barrier's segment given to a mutex, an
 * ordinary array's segment, a removed segment, and bad options.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Barrier, create, LockedArray, Mutex, NdshareError } from '../src/index.js';
import { ShmSnapshot } from './helpers/shm.js';

const code = (c: string) => (e: unknown): boolean => e instanceof NdshareError && e.code === c;

test('malformed and mismatched sync handles and options get typed errors', () => {
  const shm = new ShmSnapshot();
  const mutex = Mutex.create();
  const barrier = Barrier.create(2);
  const plain = create({ dtype: 'int32', shape: [16] });
  try {
    for (const bad of [undefined, null, 42, 'mutex', [], {}, { ndshare: 2, kind: 'mutex' }, { ndshare: 1, kind: 'barrier', segment: mutex.handle.segment }]) {
      assert.throws(() => Mutex.attach(bad), code('ERR_NDSHARE_INVALID_HANDLE'), JSON.stringify(bad));
    }
    assert.throws(() => Mutex.attach({ ndshare: 1, kind: 'mutex', segment: barrier.handle.segment }), code('ERR_NDSHARE_INVALID_HANDLE'), 'a barrier segment');
    assert.throws(() => Barrier.attach({ ...barrier.handle, segment: mutex.handle.segment }), code('ERR_NDSHARE_INVALID_HANDLE'), 'a mutex segment');
    assert.throws(() => Mutex.attach({ ndshare: 1, kind: 'mutex', segment: plain.handle }), code('ERR_NDSHARE_INVALID_HANDLE'), 'an ordinary array');
    assert.throws(() => Barrier.attach({ ...barrier.handle, parties: 3 }), code('ERR_NDSHARE_HANDLE_MISMATCH'));
    assert.throws(() => LockedArray.attach({ ndshare: 1, kind: 'locked-array', array: plain.handle, mutex: barrier.handle }), code('ERR_NDSHARE_INVALID_HANDLE'));
    const gone = Mutex.create();
    const goneHandle = gone.handle;
    gone.close();
    assert.throws(() => Mutex.attach(goneHandle), code('ENOENT'));
    assert.throws(() => Mutex.create({ backing: 'sab' as 'shm' }), code('ERR_NDSHARE_INVALID_ARGUMENT'));
    for (const parties of [0, -1, 1.5, '2', NaN]) assert.throws(() => Barrier.create(parties as number), code('ERR_NDSHARE_INVALID_ARGUMENT'));
    for (const timeoutMs of [-1, NaN, '5', null]) {
      assert.throws(() => mutex.lockSync({ timeoutMs: timeoutMs as number }), code('ERR_NDSHARE_INVALID_ARGUMENT'));
    }
    assert.equal(mutex.held, false);
  } finally {
    plain.close();
    barrier.close();
    mutex.close();
  }
  assert.throws(() => mutex.tryLock(), code('ERR_NDSHARE_CLOSED'));
  assert.deepEqual(shm.addedBy(), []);
});
