/**
 * Ownership is decided by the effective uid, the one the kernel gives new segments: a process that
 * switched its effective uid (process.seteuid) attaches the segment it just created, removes and
 * sweeps dead segments of its own. Needs root (the child starts as root and seteuids to nobody);
 * whatever the child leaves (nothing, if it passes) belongs to nobody, so the test removes it.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { FixtureChild } from './helpers/child.js';

const kNobody = 65534;

test('a process under seteuid(nobody) owns what it creates', { skip: process.getuid?.() === 0 ? undefined : 'needs root to seteuid' }, async (t) => {
  const child = new FixtureChild<Record<string, unknown>>('reliability-euid-child', { args: [String(kNobody)] });
  let report: Record<string, unknown> = {};
  try {
    report = await child.next('its report');
  } finally {
    await child.close();
    for (const name of (report['left'] as string[] | undefined) ?? []) rmSync(`/dev/shm${name}`, { force: true });
  }
  t.diagnostic(JSON.stringify(report));
  assert.deepEqual([report['uid'], report['euid']], [0, kNobody], 'the child runs with real uid 0 and effective uid nobody');
  assert.deepEqual(report['attach'], { state: 'ok', value: [7, 7, 7, 7] }, 'it attaches the segment it just created');
  assert.deepEqual((report['removeSegment'] as { state: string }).state, 'ok', 'it removes a dead segment of its own');
  assert.deepEqual(report['sweep'], { state: 'ok', value: true }, 'its sweep reclaims a dead segment of its own');
  assert.deepEqual(report['left'], []);
});
