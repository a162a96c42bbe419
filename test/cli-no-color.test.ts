/**
 * Color: bench output (tables on stdout, progress lines on stderr) is colored only when asked for
 * (a terminal, or FORCE_COLOR), and never under NO_COLOR (https://no-color.org), which wins over
 * FORCE_COLOR. Off a terminal with neither variable there is no color either.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BenchSandbox } from './helpers/bench.js';
import { runBin } from './helpers/cli.js';

const ESC = '\x1b';

function bench(env: NodeJS.ProcessEnv): { stdout: string; stderr: string } {
  const box = new BenchSandbox();
  try {
    const r = runBin(['bench', '--methods', 'shm', '--size', '1e3', '--repeats', '1', '--no-warm', '--no-memory', '--progress', '--dir', box.dir], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^\[1\/1\] shm process n=1e3 run 1\/1: /m, 'progress lines are on');
    return r;
  } finally {
    assert.deepEqual(box.leftovers(), { segments: [], files: [], processes: [] });
  }
}

test('NO_COLOR: no escape byte in the output, even with FORCE_COLOR; FORCE_COLOR alone colors (control)', () => {
  const forced = bench({ FORCE_COLOR: '1' });
  assert.ok(forced.stdout.includes(`${ESC}[32mok`), 'the status is green with FORCE_COLOR');
  assert.ok(forced.stderr.includes(`${ESC}[32mok`), 'the progress line is colored with FORCE_COLOR');

  const none = bench({ FORCE_COLOR: '1', NO_COLOR: '1' });
  assert.ok(!none.stdout.includes(ESC) && !none.stderr.includes(ESC), JSON.stringify(none));

  const piped = bench({});
  assert.ok(!piped.stdout.includes(ESC) && !piped.stderr.includes(ESC), JSON.stringify(piped));
});
