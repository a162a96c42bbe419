/**
 * One task of `ndshare bench --parallel`, run in a worker (a piscina thread or a child process):
 * get the views the task names, attached once per worker, and run its kernel over its rows.
 */
import { attach } from '../../core/attach.js';
import type { Handle } from '../../core/handle.js';
import type { NdArray } from '../../core/ndarray.js';
import { axpbRange, stencilRows, sumRange, type ParallelTask, type TaskResult } from './kernels.js';

// Attach once per worker (thread or process): the first task that names an array maps it, later
// ones find it here. A process handle is JSON that names its segment, so its text is the key.
// The NdArray is kept, not only its data: it holds the fd and the liveness lock of the segment.
const attached = new Map<string, { readonly array: NdArray<'float64'>; readonly data: Float64Array }>();

function view(handle: Handle<'float64'>): Float64Array {
  const key = JSON.stringify(handle);
  let got = attached.get(key);
  if (got === undefined) {
    const array: NdArray<'float64'> = attach(handle);
    got = { array, data: array.data };
    attached.set(key, got);
  }
  return got.data;
}

/** Runs one task in this worker and returns its result. */
export function runTask(task: ParallelTask): TaskResult {
  if (task.op === 'noop') return { value: 0, viewSeconds: 0 };
  const t0 = performance.now();
  const x = view(task.x);
  const out = task.op === 'stencil' ? view(task.out) : null;
  const viewSeconds = (performance.now() - t0) / 1000;
  switch (task.op) {
    case 'empty':
      return { value: 0, viewSeconds };
    case 'sum':
      return { value: sumRange(x, task.start * task.cols, task.end * task.cols), viewSeconds };
    case 'axpb':
      axpbRange(x, task.a, task.b, task.start * task.cols, task.end * task.cols);
      return { value: 0, viewSeconds };
    case 'stencil':
      stencilRows(x, out as Float64Array, task.rows, task.cols, task.alpha, task.start, task.end);
      return { value: 0, viewSeconds };
  }
}

