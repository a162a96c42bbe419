/**
 * The bench table stays narrow when a cell is unsupported: the Status column says
 * "unsupported [1]" and the reason (longer than a terminal line) is a footnote under the table,
 * wrapped. A real run through the binary: shm (one tiny cell) and transfer (unsupported for processes).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { METHODS } from '../src/share/index.js';
import { BenchSandbox } from './helpers/bench.js';
import { runBin } from './helpers/cli.js';

test('bench table: an unsupported cell gets a short status and a footnote; no line reaches 120 columns', () => {
  const transfer = METHODS.find((m) => m.name === 'transfer')?.kinds.process;
  assert.ok(transfer && !transfer.supported);
  assert.ok(transfer.why.length > 120, 'the reason is longer than the table may be wide (else this test proves nothing)');
  const box = new BenchSandbox();
  let r;
  try {
    r = runBin(['bench', '--methods', 'shm,transfer', '--size', '1e3', '--repeats', '1', '--no-warm', '--no-memory', '--quiet', '--dir', box.dir]);
  } finally {
    assert.deepEqual(box.leftovers(), { segments: [], files: [], processes: [] });
  }
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  const widest = lines.reduce((a, b) => (b.length > a.length ? b : a), '');
  assert.ok(widest.length < 120, `widest line is ${widest.length} columns: ${widest}`);
  assert.match(r.stdout, /^Method\s+Kind\s+Pages\s+Copy\?\s+Time \(median\)\s+min\s+max\s+Throughput\s+Peak mem\s+Status$/m);
  assert.match(r.stdout, /^shm\s+process\s+cold\s+No\s.*\sok$/m);
  assert.match(r.stdout, /^transfer\s+process\s+cold\s+No\s.*\sunsupported \[1\]$/m);
  // The footnote holds the whole reason, wrapped under the table.
  const note = /^\[1\] ([^\n]*(?:\n {4}[^\n]*)*)/m.exec(r.stdout)?.[1];
  assert.equal(note?.replace(/\n {4}/g, ' '), transfer.why);
});
