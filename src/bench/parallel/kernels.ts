/**
 * The kernels of `ndshare bench --parallel` and the one message type every task is: plain loops over
 * a Float64Array, no allocation per element, each over a range of rows of one shared array. The same
 * functions run in a piscina worker thread (worker.ts) and in a child process (child.ts), both
 * through run-task.ts; the main thread checks their results here.
 */
import type { Handle } from '../../core/handle.js';

/** The three kernels: a reduction, an in-place elementwise update, a 2-D 5-point stencil. */
export const KERNELS = ['sum', 'axpb', 'stencil'] as const;
export type Kernel = (typeof KERNELS)[number];

/** Rows `start` to `end` (exclusive) of a `rows x cols` array in C order. */
export interface RowSpan {
  readonly start: number;
  readonly end: number;
}

/**
 * One task, as posted to a worker thread or sent to a child process. Arrays travel as process
 * handles (`array.handle`: JSON that names the segment); a worker attaches each once and keeps it.
 */
export type ParallelTask =
  /** Nothing: the round trip of a task, the base line of the sharing cost. */
  | { readonly op: 'noop' }
  /** Look the array up (attach it the first time) and touch nothing: a noop plus the sharing cost. */
  | { readonly op: 'empty'; readonly x: Handle<'float64'> }
  | ({ readonly op: 'sum'; readonly x: Handle<'float64'>; readonly cols: number } & RowSpan)
  | ({ readonly op: 'axpb'; readonly x: Handle<'float64'>; readonly cols: number; readonly a: number; readonly b: number } & RowSpan)
  | ({ readonly op: 'stencil'; readonly x: Handle<'float64'>; readonly out: Handle<'float64'>; readonly rows: number; readonly cols: number; readonly alpha: number } & RowSpan);

/**
 * A task's answer: its value (the partial sum; 0 otherwise), the seconds it spent getting its
 * views, and the CPU time its thread spent in the kernel (0 for noop and empty tasks).
 */
export interface TaskResult {
  readonly value: number;
  readonly viewSeconds: number;
  readonly cpuSeconds: number;
}

/** Task `t` of `tasks` over `rows` rows: consecutive spans whose sizes differ by at most one row. */
export function rowSpan(t: number, tasks: number, rows: number): RowSpan {
  return { start: Math.floor((t * rows) / tasks), end: Math.floor(((t + 1) * rows) / tasks) };
}

/** The sum of elements `start` to `end` (exclusive). Four accumulators, so no add waits for the last. */
export function sumRange(d: Float64Array, start: number, end: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    s0 += d[i] as number;
    s1 += d[i + 1] as number;
    s2 += d[i + 2] as number;
    s3 += d[i + 3] as number;
  }
  for (; i < end; i++) s0 += d[i] as number;
  return s0 + s1 + s2 + s3;
}

/** `d[i] = a * d[i] + b` for elements `start` to `end` (exclusive), in place. */
export function axpbRange(d: Float64Array, a: number, b: number, start: number, end: number): void {
  for (let i = start; i < end; i++) d[i] = a * (d[i] as number) + b;
}

/**
 * One explicit step of the heat equation on rows `start..end` of a `rows x cols` grid:
 * `out = x + alpha * (up + down + left + right - 4 x)` inside, `out = x` on the border. A span reads
 * one halo row above and below it from `x`, which no task writes, so spans need no exchange.
 */
export function stencilRows(x: Float64Array, out: Float64Array, rows: number, cols: number, alpha: number, start: number, end: number): void {
  for (let r = start; r < end; r++) {
    const row = r * cols;
    if (r === 0 || r === rows - 1) {
      for (let k = row; k < row + cols; k++) out[k] = x[k] as number;
      continue;
    }
    out[row] = x[row] as number;
    for (let k = row + 1; k < row + cols - 1; k++) {
      const c = x[k] as number;
      out[k] = c + alpha * ((x[k - cols] as number) + (x[k + cols] as number) + (x[k - 1] as number) + (x[k + 1] as number) - 4 * c);
    }
    out[row + cols - 1] = x[row + cols - 1] as number;
  }
}

/** The stencil's known input: `x[i, j] = i^2 + j^2`, whose 5-point Laplacian is 4 everywhere. */
export function fillGrid(x: Float64Array, rows: number, cols: number): void {
  for (let i = 0; i < rows; i++) {
    const ii = i * i;
    const row = i * cols;
    for (let j = 0; j < cols; j++) x[row + j] = ii + j * j;
  }
}

/**
 * Checks a stencil step over `fillGrid`'s input: inside, `x + 4 alpha` (exact for alpha = 0.25 and
 * values below 2^53), on the border `x`. Returns the first wrong element's description, or null.
 */
export function checkStencil(x: Float64Array, out: Float64Array, rows: number, cols: number, alpha: number): string | null {
  for (let i = 0; i < rows; i++) {
    const border = i === 0 || i === rows - 1;
    for (let j = 0; j < cols; j++) {
      const k = i * cols + j;
      const want = (x[k] as number) + (border || j === 0 || j === cols - 1 ? 0 : 4 * alpha);
      if (out[k] !== want) return `stencil out[${i}, ${j}] is ${out[k]}, expected ${want}`;
    }
  }
  return null;
}

/** Checks that elements `0..n` all equal `want`; returns the first wrong one's description, or null. */
export function checkAll(d: Float64Array, n: number, want: number, what: string): string | null {
  for (let i = 0; i < n; i++) if (d[i] !== want) return `${what}[${i}] is ${d[i]}, expected ${want}`;
  return null;
}
