/**
 * The --parallel kernels compute what they claim, split by rows or not, and the checks the bench
 * runs on their results catch a wrong value (so a broken kernel fails its row instead of reporting
 * a fast time): the stencil against its known input, the sum, the update.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { axpbRange, checkAll, checkStencil, fillGrid, rowSpan, stencilRows, sumRange } from '../src/bench/parallel/kernels.js';

test('parallel kernels: row spans cover the rows; sum, a*x+b and the stencil split by rows equal one whole pass', () => {
  for (const [tasks, rows] of [[1, 5], [2, 5], [3, 10], [7, 7], [4, 3]] as const) {
    const spans = Array.from({ length: tasks }, (_, t) => rowSpan(t, tasks, rows));
    assert.equal(spans[0]?.start, 0);
    assert.equal(spans.at(-1)?.end, rows);
    for (let t = 1; t < tasks; t++) assert.equal(spans[t]?.start, spans[t - 1]?.end);
  }
  const d = Float64Array.from({ length: 103 }, (_, i) => i);
  assert.equal(sumRange(d, 0, 103), (102 * 103) / 2, 'all elements, a length not divisible by 4');
  assert.equal(sumRange(d, 5, 10), 5 + 6 + 7 + 8 + 9);
  axpbRange(d, 2, 1, 100, 103);
  assert.deepEqual([...d.subarray(98)], [98, 99, 201, 203, 205]);

  const [rows, cols] = [9, 7];
  const x = new Float64Array(rows * cols);
  fillGrid(x, rows, cols);
  assert.equal(x[2 * cols + 3], 4 + 9, 'x[i, j] = i^2 + j^2');
  const whole = new Float64Array(rows * cols);
  stencilRows(x, whole, rows, cols, 0.25, 0, rows);
  assert.equal(checkStencil(x, whole, rows, cols, 0.25), null);
  assert.equal(whole[3 * cols + 2], 9 + 4 + 1, 'inside: x + 4 * alpha');
  assert.equal(whole[cols - 1], x[cols - 1], 'border: x');
  const split = new Float64Array(rows * cols);
  for (let t = 0; t < 4; t++) {
    const s = rowSpan(t, 4, rows);
    stencilRows(x, split, rows, cols, 0.25, s.start, s.end);
  }
  assert.deepEqual(split, whole, 'halo rows read from the shared input: the split gives the same grid');
});

test('parallel checks: a wrong stencil value, a missed span or a wrong update is reported', () => {
  const [rows, cols] = [6, 5];
  const x = new Float64Array(rows * cols);
  fillGrid(x, rows, cols);
  const out = new Float64Array(rows * cols);
  stencilRows(x, out, rows, cols, 0.25, 0, rows);
  const copy = Float64Array.from(x);
  assert.match(checkStencil(x, copy, rows, cols, 0.25) ?? '', /^stencil out\[1, 1\] is 2, expected 3$/, 'a copy is not a stencil');
  const missed = new Float64Array(rows * cols);
  stencilRows(x, missed, rows, cols, 0.25, 0, 3);
  assert.match(checkStencil(x, missed, rows, cols, 0.25) ?? '', /^stencil out\[3, 0\] is 0, expected 9$/, 'a span nobody ran');
  out[2 * cols + 2] = (out[2 * cols + 2] ?? 0) + 1e-9;
  assert.match(checkStencil(x, out, rows, cols, 0.25) ?? '', /^stencil out\[2, 2\]/);
  const y = new Float64Array(10).fill(1.5);
  assert.equal(checkAll(y, 10, 1.5, 'x'), null);
  y[7] = 1;
  assert.equal(checkAll(y, 10, 1.5, 'x'), 'x[7] is 1, expected 1.5');
});
