/**
 * One task of `ndshare bench --parallel`, run in a worker (a piscina thread or a child process):
 * get the views the task names, attached once per worker, and run its kernel over its rows.
 */
import { attach } from '../../core/attach.js';
import { floorNative } from '../../core/native.js';
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

/**
 * CPU time of the calling thread, in seconds (the benchmark addon's CLOCK_THREAD_CPUTIME_ID): Node 20
 * has no per-thread CPU clock (`process.cpuUsage()` counts every thread). On a busy machine the CPU
 * time a kernel used says what its wall time would be on an idle core.
 */
function threadCpuSeconds(): number {
  return floorNative().threadCpuSeconds();
}

/** Runs one task in this worker and returns its result. */
export function runTask(task: ParallelTask): TaskResult {
  if (task.op === 'noop') return { value: 0, viewSeconds: 0, cpuSeconds: 0 };
  const t0 = performance.now();
  const x = view(task.x);
  const out = task.op === 'stencil' ? view(task.out) : null;
  const viewSeconds = (performance.now() - t0) / 1000;
  if (task.op === 'empty') return { value: 0, viewSeconds, cpuSeconds: 0 };
  const cpu0 = threadCpuSeconds();
  let value = 0;
  switch (task.op) {
    case 'sum':
      value = sumRange(x, task.start * task.cols, task.end * task.cols);
      break;
    case 'axpb':
      axpbRange(x, task.a, task.b, task.start * task.cols, task.end * task.cols);
      break;
    case 'stencil':
      stencilRows(x, out as Float64Array, task.rows, task.cols, task.alpha, task.start, task.end);
      break;
  }
  return { value, viewSeconds, cpuSeconds: threadCpuSeconds() - cpu0 };
}

