/**
 * The progress ETA: the mean time of the finished steps times the steps left, written as a reader
 * says it ("~1m20s"); none before a step has finished. A real run's lines are checked by
 * bench-interrupt (`[2/40] ... ok ETA ~...`).
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { etaSeconds, formatEta, progressReporter } from '../src/bench/progress.js';
import { ansiStyle, plainStyle } from '../src/bench/style.js';

test('progress: ETA from the finished steps, formatted ~45s / ~1m20s / ~2h05m', () => {
  assert.equal(etaSeconds(10, 0, 9), null, 'no estimate before a step has finished');
  assert.equal(etaSeconds(10, 2, 18), 80);
  assert.equal(etaSeconds(10, 5, 5), 0);
  assert.deepEqual([45, 80, 80.4, 3600 + 5 * 60 + 10].map(formatEta), ['~45s', '~1m20s', '~1m20s', '~1h05m']);
});

test('progress: --progress lines off a terminal carry the ETA; plain style writes no escape byte', () => {
  for (const [style, esc] of [[plainStyle, false], [ansiStyle, true]] as const) {
    const out = new PassThrough();
    let text = '';
    out.setEncoding('utf8').on('data', (s: string) => (text += s));
    const p = progressReporter(out, 3, 'lines', style);
    p.start('a');
    p.end('ok');
    p.start('b');
    p.skip(1); // the third step will not run: the plan shrinks to 2, and nothing is left to estimate
    p.end('failed');
    p.done();
    assert.match(text, /^\[1\/3\] a: \S*ok\S* ETA ~\d+s\n\[2\/2\] b: \S*failed\S*\n$/);
    assert.equal(text.includes('\x1b'), esc);
  }
});
