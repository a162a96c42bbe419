/**
 * The package's entries ('ndshare', 'ndshare/receive', 'ndshare/zarr') load the bundle in dist/lib,
 * and across them every module exists once: an array received through 'ndshare/receive' is an
 * NdArray of 'ndshare', and an error any entry throws is an NdshareError of 'ndshare', in the same
 * process, in a child process and in a worker. The arrays here are made by the bundle's own
 * create(), and share() is the bundle's: this is the code an application runs.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import * as main from 'ndshare';
import * as receiveEntry from 'ndshare/receive';
import * as zarr from 'ndshare/zarr';
import { FdSnapshot } from './helpers/fds.js';
import { ShmSnapshot } from './helpers/shm.js';
import { watchdog } from './helpers/methods.js';
import type { PackageEntriesReply } from './fixtures/package-entries-child.js';

const kEntry = fileURLToPath(new URL('./fixtures/package-entries-child.js', import.meta.url));
const kLib = fileURLToPath(new URL('../../dist/lib/', import.meta.url));

test('each entry of the package resolves into the bundle (dist/lib)', () => {
  for (const name of ['ndshare', 'ndshare/receive', 'ndshare/zarr']) {
    const file = fileURLToPath(import.meta.resolve(name));
    assert.ok(file.startsWith(kLib), `${name} resolves to ${file}, not under ${kLib}`);
  }
});

test('in one process, errors thrown by each entry are NdshareErrors of the main entry', async () => {
  // Outside a child of share(): refused, by the receive entry's code.
  await assert.rejects(receiveEntry.receive(), (e: unknown) => e instanceof main.NdshareError && e.code === 'ERR_NDSHARE_INVALID_ARGUMENT');
  await assert.rejects(
    zarr.fetch(42 as unknown as string),
    (e: unknown) => e instanceof main.NdshareError,
  );
});

for (const kind of ['process', 'thread'] as const) {
  for (const method of ['shm', 'manager'] as const) {
    test(`a ${kind} receiving by '${method}' through 'ndshare/receive' gets the classes of 'ndshare'`, async () => {
      const shm = new ShmSnapshot();
      const fds = new FdSnapshot();
      const array = main.createFor(method, kind, { dtype: 'float64', shape: [1000], fill: 2 });
      try {
        const peer = await watchdog(main.share(array, { method, kind, entry: kEntry }), 'share');
        try {
          const reply = (await watchdog(peer.reply(), 'reply')) as PackageEntriesReply;
          assert.deepEqual(reply, { arrayIsNdArray: true, errorIsNdshareError: true, sum: 2000 });
        } finally {
          await watchdog(peer.close(), 'close');
        }
      } finally {
        array.close();
      }
      assert.deepEqual(shm.addedBy(process.pid), []);
      assert.deepEqual(fds.leaked(), []);
    });
  }
}
