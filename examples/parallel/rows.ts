/** Shared by the parallel recipes (docs/parallel.md): how rows are split, and the work on one range. */
import type { NdArray } from 'ndshare';

/** One task: rows `start` to `end` (exclusive) of the input; its partial result goes to row `slot`. */
export interface RowRange {
  start: number;
  end: number;
  slot: number;
}

/** Task `slot` of `tasks` over `rows` rows: consecutive ranges whose sizes differ by at most one. */
export function rowRange(slot: number, tasks: number, rows: number): RowRange {
  return { start: Math.floor((slot * rows) / tasks), end: Math.floor(((slot + 1) * rows) / tasks), slot };
}

/**
 * Sums the columns of rows `start..end` of `input` into row `slot` of `partials`. Each task owns
 * its slot and no other task writes there, so no lock is needed.
 */
export function sumRows(input: NdArray<'float64'>, partials: NdArray<'float64'>, { start, end, slot }: RowRange): void {
  const cols = input.shape[1] ?? 1;
  const data = input.data; // read `data` once: each read checks that the array is open
  const out = partials.data;
  for (let c = 0; c < cols; c++) {
    let sum = 0;
    for (let r = start; r < end; r++) sum += data[r * cols + c] ?? 0;
    out[slot * cols + c] = sum;
  }
}

/** The gather step: adds up the rows of `partials`, once every task has written its slot. */
export function columnSums(partials: NdArray<'float64'>): number[] {
  const [tasks = 0, cols = 1] = partials.shape;
  const data = partials.data;
  const sums = new Array<number>(cols).fill(0);
  for (let t = 0; t < tasks; t++) for (let c = 0; c < cols; c++) sums[c] = (sums[c] ?? 0) + (data[t * cols + c] ?? 0);
  return sums;
}
