/**
 * Every manager call has a deadline: a server that cannot answer (stopped with SIGSTOP) fails the
 * call with ERR_NDSHARE_MANAGER_DEADLINE instead of waiting. Once the server runs again, the
 * proxy works and the late answer to the expired call is not mistaken for the next call's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NdshareError } from '../src/index.js';
import { share, type ManagerClient } from '../src/share/index.js';
import { filledFor, kChildEntry, release, watchdog } from './helpers/methods.js';

test('manager: a call to a stopped server ends with ERR_NDSHARE_MANAGER_DEADLINE; the proxy recovers', async () => {
  const array = filledFor('manager', 'thread', [100]);
  const peer = await share(array, { method: 'manager', kind: 'thread', entry: kChildEntry, deadlineMs: 300 });
  const proxy = peer.proxy as ManagerClient;
  const pid = proxy.serverPid;
  try {
    await watchdog(peer.reply(), 'report');
    await watchdog(peer.reply(), 'write');
    process.kill(pid, 'SIGSTOP');
    let stopped = true;
    try {
      await assert.rejects(watchdog(proxy.sum(), 'sum'), (err: unknown) => {
        assert.ok(err instanceof NdshareError);
        assert.equal(err.code, 'ERR_NDSHARE_MANAGER_DEADLINE');
        assert.equal(err.message, 'Expected the manager server to answer within 300 ms but it did not');
        return true;
      });
    } finally {
      process.kill(pid, 'SIGCONT');
      stopped = false;
    }
    assert.equal(stopped, false);
    // The expired sum's answer arrives now too; get() must get its own answer (the child's marker).
    assert.equal(await proxy.get(0), 4242);
    assert.equal(await proxy.get(1), 1);
  } finally {
    await watchdog(peer.close(), 'close');
    release(array);
  }
});
