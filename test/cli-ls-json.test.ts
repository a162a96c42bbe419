/**
 * `ndshare ls --json` prints exactly listSegments()'s objects: the same fields, the same values for
 * a segment this test holds (its age aside, which grows between the two looks).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, listSegments } from '../src/index.js';
import { runBin } from './helpers/cli.js';
import { ShmSnapshot } from './helpers/shm.js';

test('ls --json: the objects of listSegments(), field for field', () => {
  const shm = new ShmSnapshot();
  const a = create({ dtype: 'int16', shape: [2, 3], backing: 'shm' });
  const name = (a.path ?? '').replace(/^\/dev\/shm/, '');
  try {
    const r = runBin(['ls', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const printed = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    const mine = printed.find((e) => e['name'] === name);
    const listed = listSegments().find((s) => s.name === name);
    assert.ok(mine, `ls --json lists ${name}`);
    assert.ok(listed);
    assert.deepEqual(Object.keys(mine), Object.keys(listed), 'the same fields in the same order');
    assert.deepEqual({ ...mine, ageMs: 0 }, { ...JSON.parse(JSON.stringify(listed)), ageMs: 0 });
    // The values are the segment's, not placeholders.
    assert.deepEqual(mine['header'], { state: 'ok', dtype: 'int16', shape: [2, 3] });
    assert.equal(mine['liveness'], 'live');
    assert.equal(mine['creatorPid'], process.pid);
    for (const entry of printed) assert.deepEqual(Object.keys(entry), Object.keys(listed), `fields of ${String(entry['name'])}`);
  } finally {
    a.unlink();
    a.close();
  }
  assert.deepEqual(shm.addedBy(process.pid), []);
});
