/**
 * A child that fails is reported to the parent, typed, and never leaves `reply()` waiting: a
 * reported error keeps its code, an uncaught one keeps its code too, a silent exit or a SIGKILL
 * becomes ERR_NDSHARE_CHILD_FAILED saying how it ended, and a child that cannot even start
 * brings its stderr into the message. (A module that does not exist never gets that far: see
 * share-entry-missing.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { NdshareError } from '../src/index.js';
import { share } from '../src/share/index.js';
import { filledFor, release, watchdog } from './helpers/methods.js';

const kEntry = fileURLToPath(new URL('./fixtures/methods-failing-child.js', import.meta.url));

const cases = [
  { mode: 'fail', kinds: ['process', 'thread'], code: 'ERR_NDSHARE_HANDLE_MISMATCH', message: /failed: Expected the test to fail here but it did not$/ },
  { mode: 'throw', kinds: ['process', 'thread'], code: 'ERR_NDSHARE_HANDLE_MISMATCH', message: /Expected the test to fail here but it did not$/ },
  { mode: 'exit', kinds: ['process', 'thread'], code: 'ERR_NDSHARE_CHILD_FAILED', message: /but it exited with code 3$/ },
  { mode: 'kill', kinds: ['process'], code: 'ERR_NDSHARE_CHILD_FAILED', message: /but it was killed by SIGKILL$/ },
] as const;

for (const c of cases) {
  for (const kind of c.kinds) {
    test(`a ${kind} that does '${c.mode}' rejects reply() with ${c.code}`, async () => {
      const array = filledFor('shm', kind, [8]);
      const peer = await share(array, { method: 'shm', kind, entry: kEntry, args: [c.mode], workerData: c.mode });
      try {
        await assert.rejects(watchdog(peer.reply(), c.mode), (err: unknown) => {
          assert.ok(err instanceof NdshareError, String(err));
          assert.equal(err.code, c.code);
          assert.match(err.message, c.message);
          return true;
        });
        // Every later read fails the same way: nothing waits on a dead child.
        await assert.rejects(watchdog(peer.reply(), `${c.mode} again`), { code: c.code });
      } finally {
        await watchdog(peer.close(), 'close');
        release(array);
      }
    });
  }
}

test('control: the same child in an unknown mode replies normally (the failures above are caused, not constant)', async () => {
  const array = filledFor('shm', 'process', [8]);
  const peer = await share(array, { method: 'shm', entry: kEntry, args: ['none'] });
  try {
    assert.equal(await watchdog(peer.reply(), 'reply'), 'unknown mode');
  } finally {
    await watchdog(peer.close(), 'close');
    release(array);
  }
});

test('a child module that exists but cannot load: ERR_NDSHARE_CHILD_FAILED carrying its stderr', async () => {
  // A module that does not exist is refused by share() itself (share-entry-missing); one that
  // fails while loading can only fail in the child.
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-broken-child-'));
  const entry = join(dir, 'broken.mjs');
  writeFileSync(entry, "import '/nonexistent/ndshare-child.js';\n");
  const array = filledFor('pipe', 'process', [8]);
  try {
    const peer = await share(array, { method: 'pipe', entry });
    try {
      await assert.rejects(watchdog(peer.reply(), 'reply'), (err: unknown) => {
        assert.ok(err instanceof NdshareError);
        assert.equal(err.code, 'ERR_NDSHARE_CHILD_FAILED');
        assert.match(err.message, /exited with code 1; its stderr ended with:\n[\s\S]*Cannot find module '\/nonexistent\/ndshare-child\.js'/);
        return true;
      });
    } finally {
      await watchdog(peer.close(), 'close');
    }
  } finally {
    release(array);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a worker that cannot be constructed: ERR_NDSHARE_CHILD_FAILED from share() itself', async () => {
  const array = filledFor('sab', 'thread', [8]);
  try {
    // A function cannot be cloned into workerData: new Worker() throws at once.
    await assert.rejects(share(array, { method: 'sab', kind: 'thread', entry: kEntry, workerData: () => 1 }), (err: unknown) => {
      assert.ok(err instanceof NdshareError);
      assert.equal(err.code, 'ERR_NDSHARE_CHILD_FAILED');
      assert.match(err.message, /^Expected to start a child for method 'sab' but it failed: .*could not be cloned/);
      return true;
    });
  } finally {
    release(array);
  }
});

test('a command that does not exist: ERR_NDSHARE_CHILD_FAILED, no hang', async () => {
  const array = filledFor('shm', 'process', [8]);
  const peer = await share(array, { method: 'shm', command: '/nonexistent/ndshare-python' });
  try {
    await assert.rejects(watchdog(peer.reply(), 'reply'), (err: unknown) => err instanceof NdshareError && err.code === 'ERR_NDSHARE_CHILD_FAILED' && /ENOENT/.test(err.message));
  } finally {
    await watchdog(peer.close(), 'close');
    release(array);
  }
});
