/**
 * The piscina worker of the thread-pool recipe (docs/parallel.md). Piscina loads this module once
 * per worker thread; every task then runs its default export.
 */
import { attach, type Handle, type NdArray } from 'ndshare';
import { sumRows, type RowRange } from './rows.js';

/** What the main thread posts for one task. */
export interface RowTask extends RowRange {
  input: Handle;
  partials: Handle;
}

// Attach once per worker: attaching a process handle (`array.handle`: shm, memfd, file) costs an
// fd and a mapping, so the worker keeps what it attached for every later task. Such a handle is
// JSON that names its array, so its text is the key. Piscina ends workers with terminate(), which
// runs no 'exit' listener: ndshare itself closes a worker's fds when the worker ends, and the
// mappings go with the worker's memory.
const attached = new Map<string, NdArray<'float64'>>();

function attachOnce(handle: Handle): NdArray<'float64'> {
  // A thread handle (`array.threadHandle`) reuses the main thread's mapping: no fd, nothing to
  // keep. Nor could it be a key: its SharedArrayBuffer arrives as a new object with each task.
  if (handle.backing === 'sab') return attach(handle, { dtype: 'float64' });
  const key = JSON.stringify(handle);
  let array = attached.get(key);
  if (array === undefined) {
    array = attach(handle, { dtype: 'float64' });
    attached.set(key, array);
  }
  return array;
}

/** Piscina runs this for every task: the column sums of its rows, into its slot. */
export default function sumRowsTask(task: RowTask): void {
  sumRows(attachOnce(task.input), attachOnce(task.partials), task);
}
