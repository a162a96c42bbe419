/**
 * `measureFloors` stops between two passes once its signal has fired (Ctrl-C or SIGTERM during
 * `ndshare bench --floor`) and returns undefined, instead of finishing every floor first (the
 * fresh-pages floors alone take tens of seconds where page faults are slow).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { measureFloors } from '../src/bench/floors.js';

test('floors: an aborted signal stops the measurement and reports no floor', async () => {
  const stop = new AbortController();
  stop.abort();
  assert.equal(await measureFloors(8_000_000, stop.signal), undefined);
});

test('floors: a signal that fires during the measurement stops it before the next pass', async () => {
  const stop = new AbortController();
  // Fired from the event loop after the first pass has run (two turns of the loop from now):
  // the next pass must see it.
  setImmediate(() => setImmediate(() => stop.abort()));
  assert.equal(await measureFloors(8_000_000, stop.signal), undefined);
});
