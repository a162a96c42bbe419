/**
 * The Goals line for "manager / queue / pipe <= 1.0x NumPy's" shows the method's floor when the run
 * measured one (--floor), and says when that floor is itself above NumPy's time: the measured floor
 * that keeps the goal out of reach. Without a floor the line is unchanged. Synthetic rows: the
 * text is logic, not timing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goalLines } from '../src/bench/table.js';
import type { Report } from '../src/bench/types.js';

function report(median: number, numpy: number, floor: number | null): Report {
  const row = { n: 1e8, kind: 'process', temperature: 'cold', copies: false, phases: null, impl: 'ndshare', method: 'manager', median, ratioNumpy: median / numpy, floor, ratioFloor: floor === null ? null : median / floor };
  return { rows: [row] } as unknown as Report;
}

function managerLine(r: Report): string {
  const line = goalLines(r).find((l) => l.includes("manager <= 1.0x NumPy's manager"));
  assert.ok(line, 'a goal line for the manager');
  return line;
}

test("copy goals: a floor above NumPy's time is named as such", () => {
  assert.match(managerLine(report(0.45, 0.27, 0.3)), /: NOT met \(1\.67x; floor 300 ms, above NumPy's, 1\.50x of it\)$/);
});

test("copy goals: a floor below NumPy's time is shown without the remark", () => {
  assert.match(managerLine(report(0.45, 0.4, 0.3)), /: NOT met \(1\.13x; floor 300 ms, 1\.50x of it\)$/);
});

test('copy goals: without --floor the line has no floor', () => {
  assert.match(managerLine(report(0.2, 0.4, null)), /: met \(0\.50x\)$/);
});
