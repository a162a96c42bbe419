/**
 * A worker thread that ends without closing its arrays (terminate(), or process.exit() inside the
 * worker) leaves nothing behind in the process: the fds it attached or created are closed (and
 * with them the shm liveness locks), and the shm segments it created are unlinked.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { create } from '../src/index.js';
import { Agent } from './helpers/agent.js';
import { FdSnapshot } from './helpers/fds.js';
import { ShmSnapshot, shmExists } from './helpers/shm.js';

for (const ending of ['terminate', 'process.exit'] as const) {
  test(`worker ended by ${ending} with arrays still open: no fd, lock or segment left`, async () => {
    const shm = new ShmSnapshot();
    const fds = new FdSnapshot();
    const dir = mkdtempSync(join(tmpdir(), 'ndshare-core-wexit-'));
    const mine = [
      create({ dtype: 'float32', shape: [64], backing: 'shm' }),
      create({ dtype: 'float32', shape: [64], backing: 'memfd' }),
      create({ dtype: 'float32', shape: [64], backing: 'file', path: join(dir, 'a.npy') }),
    ];
    const agent = await Agent.worker();
    let created = '';
    try {
      for (const a of mine) await agent.attach(a.handle);
      const r = await agent.ok({ op: 'create', options: { dtype: 'int8', shape: [8], backing: 'shm' } });
      created = r.path ?? assert.fail('no path');
      await agent.ok({ op: 'create', options: { dtype: 'int8', shape: [8], backing: 'memfd' } });
      assert.ok(fds.leaked().length >= 5, 'positive control: the worker holds fds now');
      assert.ok(shmExists(created.slice(9)));
      if (ending === 'process.exit') {
        // No reply comes: the worker ends. Wait for that, so terminate() below is a no-op.
        void agent.send({ op: 'exit', code: 0 }).catch(() => undefined);
        await agent.exited;
      }
    } finally {
      await agent.close();
    }
    try {
      // Only the creator's own three fds remain.
      assert.equal(fds.leaked().length, 3, `left: ${fds.leaked().join(', ')}`);
      assert.equal(shmExists(created.slice(9)), false, "the worker's own segment was unlinked");
    } finally {
      for (const a of mine) {
        a.unlink();
        a.close();
      }
      rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(fds.leaked(), []);
    assert.deepEqual(shm.addedBy(), []);
  });
}
