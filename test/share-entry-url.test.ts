/**
 * share()'s entry as a URL relative to the calling module (`new URL('./child.js',
 * import.meta.url)`) names the same file whatever directory the app is started from: a real Node
 * process started with its cwd elsewhere shares an array with a child process (URL object) and a
 * worker (URL string) that way. From there the relative path './methods-child.js' is refused
 * before anything starts, with a message that shows the URL form.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { runSync } from './helpers/process.js';
import type { ChildReport } from './helpers/methods-wire.js';
import { ShmSnapshot } from './helpers/shm.js';

const kParent = fileURLToPath(new URL('./fixtures/share-entry-url-parent.js', import.meta.url));

test('a URL entry works from another working directory; the relative path is refused there, showing the URL form', () => {
  const elsewhere = mkdtempSync(join(tmpdir(), 'ndshare-cwd-'));
  const shm = new ShmSnapshot();
  try {
    const r = runSync('the share-entry-url parent', process.execPath, [kParent], { cwd: elsewhere, timeout: 60_000 });
    assert.equal(r.status, 0, `the parent failed: ${r.stderr}`);
    // The parent has exited: its segment must be gone with it.
    assert.deepEqual(shm.addedBy(r.pid), []);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { cwd: string; reports: ChildReport[]; relative?: { code: string; message: string } };
    // Control: the parent really ran elsewhere, where './methods-child.js' is no file.
    assert.equal(out.cwd, elsewhere);
    assert.deepEqual(
      out.reports.map((c) => [c.kind, c.method, c.shape, c.checksum]),
      [
        ['process', 'shm', [3], '6'],
        // The first child wrote kMarker (4242) at element 0 of the shared array: 4242 + 2 + 2.
        ['thread', 'shm', [3], '4246'],
      ],
    );
    assert.equal(out.relative?.code, 'ERR_NDSHARE_INVALID_ARGUMENT');
    assert.equal(
      out.relative?.message,
      `Expected a file: URL or an absolute path for options.entry but received the relative path "./methods-child.js", which would be resolved against the current directory (${elsewhere}), not against your module. ` +
        `For the file next to your module pass new URL("./methods-child.js", import.meta.url); to mean the current directory, pass path.resolve("./methods-child.js")`,
    );
  } finally {
    rmdirSync(elsewhere);
  }
});
