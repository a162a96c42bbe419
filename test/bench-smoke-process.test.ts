/**
 * `ndshare bench` at a small size, every registry method, child processes: each supported method
 * completes with the child confirming the full checksum (--verify), each unsupported one says why,
 * the pooled methods also run warm, and the run leaves no segment, file or process behind.
 */
import { test } from 'node:test';
import { smokeEveryMethod } from './helpers/bench.js';

test('bench smoke: every method hands 1e4 float64 ones to a child process, verified', async () => {
  await smokeEveryMethod('process', ['shm', 'inherit', 'raw']);
});
