/**
 * When the manager server dies, every client (the parent's proxy and a child's, in a process and
 * in a worker) gets ERR_NDSHARE_MANAGER_DEAD for the call in flight and for every later call,
 * never a hang, and the server's socket is removed. The per-call deadline is set to 60 s, so the
 * error can only come from detecting the death (the socket closing), not from the deadline; the
 * time it took is reported as a diagnostic.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { NdshareError } from '../src/index.js';
import { share, type ManagerClient } from '../src/share/index.js';
import { filledFor, release, watchdog } from './helpers/methods.js';
import type { ManagerChildReply } from './fixtures/methods-manager-child.js';
import { alive } from './helpers/process.js';

const kEntry = fileURLToPath(new URL('./fixtures/methods-manager-child.js', import.meta.url));
const sockets = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith(`ndshare-mgr-${process.pid}-`));

for (const kind of ['process', 'thread'] as const) {
  test(`manager with a ${kind}: the server dies mid-call, every client gets ERR_NDSHARE_MANAGER_DEAD`, async (t) => {
    const array = filledFor('manager', kind, [1000]);
    const peer = await share(array, { method: 'manager', kind, entry: kEntry, deadlineMs: 60_000 });
    const proxy = peer.proxy as ManagerClient;
    const pid = proxy.serverPid;
    try {
      assert.equal(await watchdog(peer.reply(), 'ready'), 'ready');
      // Control: with the server alive, both clients get answers.
      assert.equal(await proxy.sum(), 499500);
      peer.send('sum');
      assert.deepEqual(await watchdog(peer.reply(), 'control sum'), { state: 'ok', sum: 499500 });
      assert.equal(sockets().length, 1);

      // Stopped, the server cannot answer: both calls are surely in flight when it dies.
      process.kill(pid, 'SIGSTOP');
      const t0 = performance.now();
      const parentCall = proxy.sum().then(
        () => 'answered',
        (err: unknown) => err,
      );
      peer.send('sum');
      await new Promise((r) => setImmediate(r));
      process.kill(pid, 'SIGKILL');
      const parentErr = await watchdog(parentCall, 'parent call');
      const parentMs = performance.now() - t0;
      assert.ok(parentErr instanceof NdshareError, String(parentErr));
      assert.equal(parentErr.code, 'ERR_NDSHARE_MANAGER_DEAD');
      const child = (await watchdog(peer.reply(), 'child call')) as ManagerChildReply;
      assert.equal(child.state, 'failed');
      assert.equal(child.state === 'failed' && child.code, 'ERR_NDSHARE_MANAGER_DEAD');
      t.diagnostic(`server death reported after ${parentMs.toFixed(0)} ms (parent, from SIGSTOP), ${child.state === 'failed' ? child.elapsedMs.toFixed(0) : '?'} ms (${kind}, from its call)`);

      // Later calls fail at once with the same code.
      await assert.rejects(proxy.get(0), { code: 'ERR_NDSHARE_MANAGER_DEAD' });
      peer.send('sum');
      const again = (await watchdog(peer.reply(), 'child later call')) as ManagerChildReply;
      assert.equal(again.state === 'failed' && again.code, 'ERR_NDSHARE_MANAGER_DEAD');
    } finally {
      peer.send('stop');
      await watchdog(peer.close(), 'close');
      release(array);
    }
    assert.equal(alive(pid), false);
    assert.deepEqual(sockets(), []);
  });
}
