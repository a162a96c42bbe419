/**
 * `ndshare bench` at a small size, every registry method, worker threads: each supported method
 * completes with the child confirming the full checksum (--verify), each unsupported one says why,
 * the pooled methods also run warm, and the run leaves no segment, file or process behind.
 * Without the peak-memory runs (--no-memory): the process smoke test runs them for every method.
 */
import { test } from 'node:test';
import { smokeEveryMethod } from './helpers/bench.js';

test('bench smoke: every method hands 1e4 float64 ones to a worker thread, verified', async () => {
  await smokeEveryMethod('thread', ['shm'], ['--no-memory']);
});
