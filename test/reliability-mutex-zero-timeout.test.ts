/**
 * A zero timeout ("one attempt") detects a dead holder just like tryLock(): after the holder
 * process is SIGKILLed inside its critical section, lock({ timeoutMs: 0 }), lockSync({ timeoutMs:
 * 0 }), withLock(fn, { timeoutMs: 0 }) and withLockSync each take the lock at once with ownerDied: true, instead
 * of reporting a timeout on every attempt for ever. tryLock() is the control.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Mutex, type Acquired, type LockOutcome } from '../src/index.js';
import { SyncPeer } from './helpers/sync-peer.js';
import { ShmSnapshot } from './helpers/shm.js';

/** Attempts per API: a zero-timeout caller that keeps retrying must not be stuck for ever. */
const kAttempts = 5;

type Attempt = (mutex: Mutex) => Promise<LockOutcome | 'timeout-error'>;

const apis: [string, Attempt][] = [
  ['tryLock() (control)', async (m) => {
    const r = m.tryLock();
    return r.state === 'busy' ? { state: 'timeout', timeoutMs: 0 } : r;
  }],
  ['lock({ timeoutMs: 0 })', (m) => m.lock({ timeoutMs: 0 })],
  ['lockSync({ timeoutMs: 0 })', async (m) => m.lockSync({ timeoutMs: 0 })],
  ['withLock(fn, { timeoutMs: 0 })', async (m) => {
    try {
      // withLock unlocks when fn returns: repair inside, as a real caller would.
      return await m.withLock((got: Acquired) => {
        if (got.ownerDied) m.markConsistent();
        return got;
      }, { timeoutMs: 0 });
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ERR_NDSHARE_LOCK_TIMEOUT') return 'timeout-error';
      throw err;
    }
  }],
  ['withLockSync(fn, { timeoutMs: 0 })', async (m) => {
    try {
      return m.withLockSync((got: Acquired) => {
        if (got.ownerDied) m.markConsistent();
        return got;
      }, { timeoutMs: 0 });
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ERR_NDSHARE_LOCK_TIMEOUT') return 'timeout-error';
      throw err;
    }
  }],
];

test('a zero timeout recovers a lock whose holder was SIGKILLed, like tryLock()', async (t) => {
  const shm = new ShmSnapshot();
  const mutex = Mutex.create();
  try {
    for (const [name, attempt] of apis) {
      const holder = await SyncPeer.process();
      try {
        await holder.ok({ op: 'attach', mutex: mutex.handle });
        assert.deepEqual(await holder.ok({ op: 'lock' }), { state: 'acquired', ownerDied: false }, `${name}: the holder took the lock`);
        await holder.kill();
      } finally {
        await holder.kill();
      }
      const outcomes: string[] = [];
      let got: LockOutcome | 'timeout-error' = 'timeout-error';
      for (let i = 0; i < kAttempts; i++) {
        got = await attempt(mutex);
        outcomes.push(typeof got === 'string' ? got : got.state === 'acquired' ? `acquired(ownerDied=${got.ownerDied})` : got.state);
        if (typeof got !== 'string' && got.state === 'acquired') break;
      }
      t.diagnostic(`${name} after the holder's SIGKILL: ${outcomes.join(', ')}`);
      assert.deepEqual(got, { state: 'acquired', ownerDied: true }, `${name}: the first attempt takes the dead holder's lock (got ${outcomes.join(', ')})`);
      if (mutex.held) {
        mutex.markConsistent();
        mutex.unlock();
      }
      assert.equal(mutex.tryLock().state, 'acquired', `${name}: the lock is usable again`);
      mutex.unlock();
    }
  } finally {
    mutex.close();
  }
  assert.deepEqual(shm.addedBy(), []);
});
