/**
 * What the orchestrator needs of a pool of workers, threads or processes alike, and how to start
 * one. Threads use piscina, loaded only when a run asks for threads (see `startThreadPool`).
 */
import type { Kind } from '../../methods/types.js';
import type { ParallelTask, TaskResult } from './kernels.js';
import { ProcessPool } from './processes.js';

/** A fixed number of workers that run tasks, one at a time each. */
export interface TaskPool {
  readonly size: number;
  run(task: ParallelTask): Promise<TaskResult>;
  /** Ends every worker and waits until each is gone. */
  close(): Promise<void>;
  /** Ends every worker now (a run that timed out), and waits until each is gone. */
  destroy(): Promise<void>;
}

/** A pool of workers of `kind`, or why this install cannot start one. */
export type PoolStart =
  | { readonly state: 'ok'; readonly pool: TaskPool }
  | { readonly state: 'unsupported'; readonly why: string }
  | { readonly state: 'failed'; readonly error: string };

/**
 * piscina is a devDependency, not a dependency: the library never uses it, and a user of
 * `ndshare bench --parallel` without it gets thread rows marked unsupported with the fix, while the
 * process and NumPy rows still run. The thread recipe (docs/parallel.md) uses the same library.
 */
async function startThreadPool(size: number): Promise<PoolStart> {
  let Piscina: typeof import('piscina').Piscina;
  try {
    ({ Piscina } = await import('piscina'));
  } catch (err) {
    return { state: 'unsupported', why: `the thread pool needs piscina, which is not installed (npm install piscina): ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
  }
  const filename = new URL('./worker.js', import.meta.url).href;
  // Exactly `size` threads, started now, never retired while the run lasts, one task at a time each.
  const p = new Piscina({ filename, minThreads: size, maxThreads: size, idleTimeout: 2 ** 31 - 1, concurrentTasksPerWorker: 1 });
  const pool: TaskPool = {
    size,
    run: (task) => p.run(task) as Promise<TaskResult>,
    close: () => p.destroy(),
    destroy: () => p.destroy(),
  };
  return { state: 'ok', pool };
}

/** Starts a pool of `size` workers of `kind`. */
export async function startPool(kind: Kind, size: number): Promise<PoolStart> {
  if (kind === 'thread') return startThreadPool(size);
  return { state: 'ok', pool: new ProcessPool(size) };
}
