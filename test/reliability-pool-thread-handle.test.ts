/**
 * SegmentPool, item 6 of "Reliability round 2": a worker that maps a pooled array through its
 * `threadHandle` shares this process's mapping (no fd, no lock of its own), so the pool cannot see
 * it. Once a thread handle was taken, release() closes the array instead of pooling it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SegmentPool } from '../src/index.js';
import { Agent } from './helpers/agent.js';

for (const backing of ['shm', 'memfd'] as const) {
  test(`${backing}: an array a worker maps through its threadHandle is closed by release(), never pooled`, async () => {
    const pool = new SegmentPool({ backing });
    const agent = await Agent.worker();
    try {
      const a = pool.create({ dtype: 'int32', shape: [4096], fill: 5 });
      const id = await agent.attach(a.threadHandle);
      const result = pool.release(a);
      const b = pool.create({ dtype: 'int32', shape: [4096], fill: 9 });
      const seen = await agent.get(id, 0);
      await agent.put(id, 1, '-1');
      assert.equal(
        result.state,
        'closed',
        `Expected release() to close an array whose thread handle was taken but it was pooled: the worker then read ${seen} from the next array and its write made b[1] = ${b.data[1]}`,
      );
      assert.match(result.state === 'closed' ? result.reason : '', /handed to another thread/);
      assert.equal(seen, '5', "the worker's view still holds its own array");
      assert.equal(b.data[1], 9, "the worker's write did not reach the next array");
      b.close();
    } finally {
      await agent.close();
      pool.clear();
    }
  });
}
