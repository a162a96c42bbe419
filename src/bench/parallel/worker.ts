/**
 * The piscina worker of `ndshare bench --parallel`: piscina loads this module once per worker thread
 * and runs its default export for every task. Views are attached once per worker (kernels.ts).
 */
import type { ParallelTask, TaskResult } from './kernels.js';
import { runTask } from './run-task.js';

/** Piscina runs this for every task. */
export default function parallelTask(task: ParallelTask): TaskResult {
  return runTask(task);
}
