/**
 * An entry that names no module file fails in share() itself, before anything starts: for every
 * supported method and kind, a missing file, a directory, a relative path and a non-file URL are
 * ERR_NDSHARE_INVALID_ARGUMENT naming the resolved path, with no child process, server or worker
 * spawned, no segment or fd left behind. forkWithArrays checks its module the same way.
 *
 * "Nothing spawned" is counted, not inferred: child_process.fork/spawn and worker_threads.Worker
 * are wrapped for the duration of the test (syncBuiltinESMExports makes ndshare's imports see the
 * wrappers), and a control share with a real entry proves the counters count.
 */
import assert from 'node:assert/strict';
import childProcess from 'node:child_process';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import workerThreads from 'node:worker_threads';
import { create, forkWithArrays, NdshareError } from '../src/index.js';
import { share } from '../src/share/index.js';
import { FdSnapshot } from './helpers/fds.js';
import { filledFor, kChildEntry, release, supportedPairs, watchdog } from './helpers/methods.js';
import { ShmSnapshot } from './helpers/shm.js';

const started = { fork: 0, spawn: 0, worker: 0 };
const real = { fork: childProcess.fork, spawn: childProcess.spawn, Worker: workerThreads.Worker };

before(() => {
  childProcess.fork = ((...a: Parameters<typeof real.fork>) => {
    started.fork++;
    return real.fork(...a);
  }) as typeof real.fork;
  childProcess.spawn = ((...a: Parameters<typeof real.spawn>) => {
    started.spawn++;
    return real.spawn(...a);
  }) as typeof real.spawn;
  workerThreads.Worker = class extends real.Worker {
    constructor(...a: ConstructorParameters<typeof real.Worker>) {
      started.worker++;
      super(...a);
    }
  };
  syncBuiltinESMExports();
});

after(() => {
  childProcess.fork = real.fork;
  childProcess.spawn = real.spawn;
  workerThreads.Worker = real.Worker;
  syncBuiltinESMExports();
});

const total = (): number => started.fork + started.spawn + started.worker;
const missing = join(tmpdir(), `ndshare-no-such-child-${process.pid}.js`);
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const dir = mkdtempSync(join(tmpdir(), 'ndshare-entry-dir-'));
after(() => rmdirSync(dir));

/** [what is passed, what the message must say] */
const bad: ReadonlyArray<readonly [string | URL, RegExp]> = [
  [missing, new RegExp(`^Expected an existing module file for options\\.entry but it does not exist: ${esc(missing)}$`)],
  [pathToFileURL(missing), new RegExp(`^Expected an existing module file for options\\.entry but it does not exist: ${esc(missing)} \\(from ${esc(pathToFileURL(missing).href)}\\)$`)],
  [dir, /^Expected a module file for options\.entry but it is not a regular file \(a directory\?\): /],
  ['./child.js', /^Expected a file: URL or an absolute path for options\.entry but received the relative path "\.\/child\.js".*pass new URL\("\.\/child\.js", import\.meta\.url\)/],
  [new URL('https://example.com/child.js'), /^Expected a file: URL or an absolute path \(not a https: URL\) for options\.entry but received the string "https:\/\/example\.com\/child\.js"$/],
];

test('control: a share with a real entry is counted (the counters see ndshare start children and workers)', async () => {
  const before = total();
  const array = filledFor('shm', 'thread', [4]);
  try {
    const peer = await share(array, { method: 'shm', kind: 'thread', entry: kChildEntry });
    await watchdog(peer.close({ graceMs: 0 }), 'close');
  } finally {
    release(array);
  }
  assert.equal(total(), before + 1);
});

for (const { method, kind } of supportedPairs()) {
  test(`${method} to a ${kind}: a bad entry fails in share(), with nothing spawned and nothing left`, async () => {
    const array = filledFor(method, kind, [4]);
    try {
      for (const [entry, message] of bad) {
        const shm = new ShmSnapshot();
        const fds = new FdSnapshot();
        const before = total();
        await assert.rejects(share(array, { method, kind, entry }), (err: unknown) => {
          assert.ok(err instanceof NdshareError, String(err));
          assert.equal(err.code, 'ERR_NDSHARE_INVALID_ARGUMENT');
          assert.match(err.message, message);
          if (entry === missing) assert.equal(err.path, missing);
          return true;
        });
        assert.equal(total(), before, `${String(entry)}: nothing spawned (fork ${started.fork}, spawn ${started.spawn}, Worker ${started.worker})`);
        assert.deepEqual(shm.addedBy(), [], `${String(entry)}: no segment`);
        assert.deepEqual(fds.leaked(), [], `${String(entry)}: no fd`);
      }
    } finally {
      release(array);
    }
  });
}

test('forkWithArrays: a missing or relative module is refused before the fork', () => {
  const array = create({ dtype: 'uint8', shape: [8], backing: 'memfd' });
  try {
    const before = total();
    assert.throws(() => forkWithArrays(missing, [], [array]), (err: unknown) => {
      assert.ok(err instanceof NdshareError);
      assert.equal(err.code, 'ERR_NDSHARE_INVALID_ARGUMENT');
      assert.equal(err.message, `Expected an existing module file for forkWithArrays() modulePath but it does not exist: ${missing}`);
      return true;
    });
    assert.throws(() => forkWithArrays('child.js', [], [array]), /^NdshareError: Expected a file: URL or an absolute path for forkWithArrays\(\) modulePath but received the relative path "child\.js"/);
    assert.equal(total(), before);
  } finally {
    array.close();
  }
});
