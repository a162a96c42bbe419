/**
 * Every public options bag refuses a name it does not know (a typo such as `{ fil: 1 }` used to be
 * ignored): ERR_NDSHARE_INVALID_ARGUMENT naming the unknown option and listing the known ones, with
 * a "did you mean" for a near miss, before anything is created, mapped or started. A known name,
 * and an unknown one whose value is undefined (absent, as for every option), are accepted.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  attach,
  Barrier,
  create,
  createFor,
  inheritedArrays,
  LockedArray,
  Mutex,
  NdshareError,
  open,
  removeSegment,
  SegmentPool,
  share,
} from '../src/index.js';
import { kChildEntry, watchdog } from './helpers/methods.js';
import { ShmSnapshot } from './helpers/shm.js';

/** Checks one refusal: the code, the unknown name, each known name listed, and the suggestion. */
function refused(err: unknown, what: string, unknown: string, known: readonly string[], suggestion?: string): true {
  assert.ok(err instanceof NdshareError, `${what}: ${String(err)}`);
  assert.equal(err.code, 'ERR_NDSHARE_INVALID_ARGUMENT', err.message);
  assert.match(err.message, new RegExp(`^Expected only the options .+ for ${what.replace(/[.()]/g, '\\$&')} but received the unknown option "${unknown}"`));
  const list = /options (.+?) for /.exec(err.message)?.[1]?.split(', ') ?? [];
  for (const k of known) assert.ok(list.includes(k), `${what}: '${k}' listed in ${err.message}`);
  if (suggestion) assert.ok(err.message.endsWith(`did you mean '${suggestion}'?`), err.message);
  else assert.doesNotMatch(err.message, /did you mean/);
  return true;
}

function throwsUnknown(fn: () => unknown, what: string, unknown: string, known: readonly string[], suggestion?: string): void {
  assert.throws(fn, (err: unknown) => refused(err, what, unknown, known, suggestion));
}

const kSegmentName = `/ndshare-${process.pid}-${'0'.repeat(32)}`;

test('core: create, attach, open, inheritedArrays, removeSegment, flush, SegmentPool', () => {
  const shm = new ShmSnapshot();
  throwsUnknown(() => create({ dtype: 'float64', shape: [3], fil: 1 } as never), 'create() options', 'fil', ['dtype', 'shape', 'backing', 'path', 'fill', 'mode', 'publish'], 'fill');
  throwsUnknown(() => create({ dtype: 'float64', shape: [3], Backing: 'heap' } as never), 'create() options', 'Backing', ['backing'], 'backing');
  throwsUnknown(() => create({ dtype: 'float64', shape: [3], colour: 'red' } as never), 'create() options', 'colour', ['fill']);
  const a = create({ dtype: 'float64', shape: [3], backing: 'sab' });
  try {
    throwsUnknown(() => attach(a.threadHandle, { mod: 'r' } as never), 'attach() options', 'mod', ['mode'], 'mode');
    throwsUnknown(() => a.flush({ synch: true } as never), 'flush() options', 'synch', ['sync'], 'sync');
    a.flush({ sync: true }); // known: accepted
  } finally {
    a.close();
  }
  throwsUnknown(() => open('/nonexistent/x.npy', { allowfortran: true } as never), 'open() options', 'allowfortran', ['mode', 'convert', 'allowFortran'], 'allowFortran');
  throwsUnknown(() => inheritedArrays({ mdoe: 'r' } as never), 'inheritedArrays() options', 'mdoe', ['mode'], 'mode');
  throwsUnknown(() => removeSegment(kSegmentName, { froce: true } as never), 'removeSegment() options', 'froce', ['force'], 'force');
  throwsUnknown(() => new SegmentPool({ maxIdle: 10 } as never), 'SegmentPool options', 'maxIdle', ['backing', 'maxIdleBytes']);
  const pool = new SegmentPool();
  throwsUnknown(() => pool.create({ dtype: 'uint8', shape: [3], shap: [4] } as never), 'SegmentPool.create() options', 'shap', ['dtype', 'shape', 'fill'], 'shape');
  assert.equal(pool.stats.misses, 0, 'nothing was created');
  assert.deepEqual(shm.addedBy(), []);
});

test('sync: Mutex, Barrier, lock/wait timeouts, LockedArray', async () => {
  const shm = new ShmSnapshot();
  throwsUnknown(() => Mutex.create({ bakcing: 'shm' } as never), 'Mutex.create() options', 'bakcing', ['backing', 'near'], 'backing');
  throwsUnknown(() => Barrier.create(2, { backings: 'shm' } as never), 'Barrier.create() options', 'backings', ['backing'], 'backing');
  assert.deepEqual(shm.addedBy(), [], 'refused before a segment was made');
  const m = Mutex.create();
  const b = Barrier.create(1);
  const locked = LockedArray.create({ dtype: 'int32', shape: [2] });
  try {
    throwsUnknown(() => m.lockSync({ timeout: 5 } as never), 'lockSync() options', 'timeout', ['timeoutMs'], 'timeoutMs');
    await assert.rejects(m.lock({ timeout: 5 } as never), (err) => refused(err, 'lock() options', 'timeout', ['timeoutMs'], 'timeoutMs'));
    throwsUnknown(() => b.waitSync({ deadline: 5 } as never), 'waitSync() options', 'deadline', ['timeoutMs']);
    await assert.rejects(b.wait({ timeoutMS: 5 } as never), (err) => refused(err, 'wait() options', 'timeoutMS', ['timeoutMs'], 'timeoutMs'));
    throwsUnknown(() => LockedArray.attach(locked.handle, { readonly: true } as never), 'LockedArray.attach() options', 'readonly', ['mode']);
    throwsUnknown(() => LockedArray.create({ dtype: 'int32', shape: [2], fil: 1 } as never), 'create() options', 'fil', ['fill'], 'fill');
    // The negative control: known names and undefined values pass.
    assert.equal(m.lockSync({ timeoutMs: 0, typo: undefined } as never).state, 'acquired');
    m.unlock();
    assert.equal(b.waitSync({ timeoutMs: 1000 }).state, 'passed');
  } finally {
    locked.close();
    b.close();
    m.close();
  }
  assert.deepEqual(shm.addedBy(), []);
});

test('share: share(), createFor(), Peer.close()', async () => {
  const shm = new ShmSnapshot();
  throwsUnknown(() => createFor('shm', 'process', { dtype: 'float64', shape: [3], fill: 1, directory: '/tmp' } as never), 'createFor() options', 'directory', ['dtype', 'shape', 'fill', 'dir']);
  const array = createFor('sab', 'thread', { dtype: 'float64', shape: [4] });
  await assert.rejects(share(array, { method: 'sab', kind: 'thread', entry: kChildEntry, enrty: kChildEntry } as never), (err) =>
    refused(err, 'share() options', 'enrty', ['method', 'kind', 'entry', 'command', 'args', 'execArgv', 'env', 'workerData', 'chunkBytes', 'maxMessageChars', 'deadlineMs'], 'entry'),
  );
  const peer = await share(array, { method: 'sab', kind: 'thread', entry: kChildEntry });
  try {
    assert.equal(typeof (await watchdog(peer.reply(), 'report')), 'object');
    await watchdog(peer.reply(), 'write');
    await assert.rejects(peer.close({ grace: 10 } as never), (err) => refused(err, 'Peer.close() options', 'grace', ['graceMs'], 'graceMs'));
  } finally {
    await watchdog(peer.close({ graceMs: 5000 }), 'close');
  }
  assert.deepEqual(shm.addedBy(), []);
});

test('not an object, and the value of a known name, are still checked as before', () => {
  assert.throws(() => create(42 as never), /Expected an options object for create\(\) options but received number 42/);
  // An unknown name whose value is undefined counts as absent, like any option left undefined.
  const a = create({ dtype: 'float64', shape: [1], backing: 'heap', fill: undefined, typo: undefined } as never);
  assert.equal(a.size, 1);
  a.close();
  assert.throws(() => create({ dtype: 'float64', shape: [1], backing: 'heap', fill: 'x' }  as never), /Expected a number/, 'a known name still has its value checked');
});
