/**
 * Posting a Mutex, Barrier or LockedArray itself (not its handle) fails at the call with
 * ERR_NDSHARE_NOT_SHAREABLE naming the handle to post, instead of arriving as {} (every field is
 * private) and failing later: postMessage to a real worker, structuredClone, JSON. The channel
 * stays usable and the handle, posted instead, attaches on the other side.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { Barrier, LockedArray, Mutex, NdshareError } from '../src/index.js';
import { ShmSnapshot } from './helpers/shm.js';

function guard(what: string, fix: string): (err: unknown) => true {
  return (err) => {
    assert.ok(err instanceof NdshareError, String(err));
    assert.equal(err.code, 'ERR_NDSHARE_NOT_SHAREABLE');
    assert.match(err.message, new RegExp(`^Expected ${fix.replace('.', '\\.')} \\(for any thread or process\\) .* but received ${what}, which cannot be cloned`));
    return true;
  };
}

test('Mutex, Barrier, LockedArray: postMessage, structuredClone and JSON throw at the call; the handle works', async () => {
  const shm = new ShmSnapshot();
  const mutex = Mutex.create();
  const barrier = Barrier.create(2);
  const locked = LockedArray.create({ dtype: 'int32', shape: [4] });
  // The worker attaches whatever handle it is sent and answers with its kind, so a {} would fail there.
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     parentPort.on('message', (m) => parentPort.postMessage(typeof m.handle === 'object' && m.handle !== null ? Object.keys(m.handle).sort().join(',') : 'none'));`,
    { eval: true },
  );
  try {
    for (const [object, what, fix] of [
      [mutex, 'a Mutex', 'mutex.handle'],
      [barrier, 'a Barrier', 'barrier.handle'],
      [locked, 'a LockedArray', 'lockedArray.handle'],
    ] as const) {
      const isGuard = guard(what, fix);
      assert.throws(() => worker.postMessage({ handle: object }), isGuard);
      assert.throws(() => structuredClone(object), isGuard);
      assert.throws(() => JSON.stringify({ handle: object }), isGuard);
      // The channel is intact and the handle itself goes through.
      const reply = once(worker, 'message');
      worker.postMessage({ handle: object.handle });
      const [keys] = (await reply) as [string];
      assert.notEqual(keys, 'none');
      assert.ok(keys.length > 0);
    }
    const other = Mutex.attach(structuredClone(mutex.handle));
    assert.equal(other.tryLock().state, 'acquired');
    other.unlock();
    other.close();
  } finally {
    await worker.terminate();
    locked.close();
    barrier.close();
    mutex.close();
  }
  assert.deepEqual(shm.addedBy(), []);
});
