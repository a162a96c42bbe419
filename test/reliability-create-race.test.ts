/**
 * The creator/sweeper race, forced: between create()'s shm_open and its liveness lock, a sweeper
 * either reclaims the fresh segment or holds it exclusively. Either way create() starts over with
 * a new name and succeeds; the caller never sees the race, and nothing is left behind.
 * (The window is reached through a hook on process.on; see fixtures/reliability-race-child.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FixtureChild } from './helpers/child.js';
import { ShmSnapshot } from './helpers/shm.js';

async function race(branch: 'unlink' | 'hold'): Promise<{ pid: number; reply: Record<string, unknown> }> {
  const child = new FixtureChild<Record<string, unknown>>('reliability-race-child', { args: [branch] });
  try {
    const reply = await child.next('its report');
    assert.equal((await child.exited).code, 0);
    return { pid: child.pid, reply };
  } finally {
    await child.close();
  }
}

for (const branch of ['unlink', 'hold'] as const) {
  test(`a sweeper that ${branch === 'unlink' ? 'reclaims' : 'holds'} the fresh segment before the creator's lock: create() retries with a new name`, async () => {
    const shm = new ShmSnapshot();
    const { pid, reply } = await race(branch);
    assert.equal(reply['error'], undefined);
    assert.match(String(reply['first']), /^\/ndshare-\d+-[0-9a-f]{32}$/, 'the hook ran in the window');
    assert.match(String(reply['created']), /^\/ndshare-\d+-[0-9a-f]{32}$/);
    assert.notEqual(reply['created'], reply['first'], 'a new name');
    assert.equal(reply['sum'], 64, 'the array works');
    if (branch === 'hold') assert.equal(reply['sweeperUnlinked'], true, 'the creator left the held name to the sweeper');
    assert.equal(reply['firstExists'], false);
    assert.deepEqual(shm.addedBy(pid), []);
  });
}
