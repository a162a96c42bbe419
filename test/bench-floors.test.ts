/**
 * The physical floors (`--floor`) are real measurements: positive, finite, and ordered as physics
 * says they must be at the same size (moving bytes through a socket costs more than one memset of
 * faulted memory). Each method's floor is composed from them as documented.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { measureFloors } from '../src/bench/floors.js';
import { floorOf } from '../src/bench/rows.js';
import type { Floors } from '../src/bench/types.js';

test('floors: every floor measured at 8 MB is a positive number of seconds', async () => {
  const f = await measureFloors(8_000_000);
  assert.ok(f, 'measured (no signal)');
  assert.equal(f.bytes, 8_000_000);
  for (const k of ['memset', 'refill', 'freshShared', 'pipe', 'spawn', 'spawnJoined', 'worker'] as const) assert.ok(Number.isFinite(f[k]) && (f[k] ?? 0) > 0, `${k}: ${f[k]}`);
  // Not timing thresholds, orderings that hold on any machine: a socket copy reads and writes
  // every byte through the kernel, a memset writes each once.
  assert.ok(f.pipe > f.memset, `pipe ${f.pipe} > memset ${f.memset}`);
  // A receiver's exit comes after its code ran, in every pass, so in the fastest pass of each too.
  assert.ok((f.spawnJoined ?? 0) > f.spawn, `joined ${f.spawnJoined} > runs ${f.spawn}`);
  // The fresh-pages floor names the way that won, among the ways it tries.
  assert.match(f.freshSharedWay, /^(page faults|fallocate \+ MAP_POPULATE|pwritev through the fd|fallocate \+ MADV_POPULATE_WRITE), \d+ threads?$/);
  // So does the refill of a pooled segment.
  assert.match(f.refillWay ?? '', /^(memset, first write through the mapping|pwritev through the fd), \d+ threads?$/);
});

test('floors: a method floor is create + start and join (+ move + receiver pages when it copies)', () => {
  const f: Floors = { bytes: 1, memset: 1, refill: 3, refillWay: 'test', freshShared: 10, freshSharedWay: 'test', pipe: 100, spawn: 1000, spawnJoined: 2000, worker: 10000 };
  assert.equal(floorOf({ kind: 'process', temperature: 'cold', copies: false }, f), 10 + 2000);
  // A warm create refills a pooled segment.
  assert.equal(floorOf({ kind: 'process', temperature: 'warm', copies: false }, f), 3 + 2000);
  // A report from before the refill floor: warm rows use memset, as it did.
  const { refill: _r, refillWay: _w, ...noRefill } = f;
  assert.equal(floorOf({ kind: 'process', temperature: 'warm', copies: false }, noRefill), 1 + 2000);
  // A report from before the joined floor: process rows use the start until the code runs, as they did.
  const { spawnJoined: _j, ...noJoin } = f;
  assert.equal(floorOf({ kind: 'process', temperature: 'cold', copies: false }, noJoin), 10 + 1000);
  assert.equal(floorOf({ kind: 'process', temperature: 'cold', copies: true }, f), 10 + 2000 + 100 + 10);
  assert.equal(floorOf({ kind: 'thread', temperature: 'cold', copies: true }, f), 10 + 10000 + 1 + 10);
});
