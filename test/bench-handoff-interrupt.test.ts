/**
 * Ctrl-C during `ndshare bench --handoff`: the message counts the handoff run's own steps (its
 * progress lines), not the study's cells, which a --handoff run never runs; the exit status is 130
 * and nothing is left behind. Handshake: the progress line of the first finished step.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BenchSandbox } from './helpers/bench.js';
import { BinProcess } from './helpers/cli.js';
import { onceOnMainNode } from './helpers/matrix.js';

// 40 s of handoffs per run. What it adds to test/bench-interrupt (which runs on every Node: the
// signal, the exit status, the partial tables) is the --handoff run's own step count, which does not
// depend on the Node version: once per CI run.
test('bench --handoff: SIGINT reports the steps that finished, of the steps planned, and exits 130', { skip: onceOnMainNode('the --handoff interrupt') }, async () => {
  const box = new BenchSandbox();
  try {
    // 4 backings at one size: 4 steps, each long enough (many handoffs) to be interrupted.
    const bench = new BinProcess(['bench', '--handoff', '--size', '1024', '--iterations', '4000', '--progress', '--dir', box.dir]);
    await bench.stderrMatches(/^\[1\/4\] handoff \S+ n=1024: ok/m, 180_000);
    bench.child.kill('SIGINT');
    const r = await bench.exited();
    assert.equal(r.code, 130, r.stderr);
    const m = /^ndshare bench: interrupted after (\d+) of 4 step\(s\); the tables above hold the finished ones$/m.exec(r.stderr);
    assert.ok(m, r.stderr);
    assert.ok(Number(m[1]) >= 1 && Number(m[1]) < 4, r.stderr);
  } finally {
    assert.deepEqual(box.leftovers(), { segments: [], files: [], processes: [] });
  }
});
