/**
 * SegmentPool, item 4 of "Reliability round 2": a memfd array that a child process attached by
 * handle (through /proc/<pid>/fd/<n>) must be closed by release(), not pooled. Attaching a memfd
 * opens a new open file description, which now holds the same shared liveness lock as a shm
 * attach, and release() tests it for memfd as for shm.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SegmentPool } from '../src/index.js';
import { Agent } from './helpers/agent.js';

test('a memfd array a child still maps is closed, not pooled, and the child never sees the next array', async () => {
  const pool = new SegmentPool({ backing: 'memfd' });
  const agent = await Agent.child();
  try {
    const a = pool.create({ dtype: 'float64', shape: [4096], fill: 3 });
    const id = await agent.attach(a.handle);
    assert.equal(await agent.get(id, 0), '3');
    const result = pool.release(a);
    const b = pool.create({ dtype: 'float64', shape: [4096], fill: 9 });
    const seen = await agent.get(id, 0);
    await agent.put(id, 1, '-1');
    assert.equal(
      result.state,
      'closed',
      `Expected release() to refuse a memfd another process maps but it was pooled: the child then read ${seen} from the next array and its write made b[1] = ${b.data[1]}`,
    );
    assert.match(result.state === 'closed' ? result.reason : '', /another process or thread still holds it/);
    assert.equal(pool.stats.hits, 0, 'the next create made a fresh memfd');
    assert.equal(seen, '3', "the child's memory is its own array's, untouched");
    assert.equal(b.data[1], 9, "the child's write did not reach the next array");
    b.close();
  } finally {
    await agent.close();
    pool.clear();
  }
});
