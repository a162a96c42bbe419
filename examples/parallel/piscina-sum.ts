/**
 * Recipe: column sums of one shared float64 array with a piscina thread pool (docs/parallel.md).
 * Every task sums a range of rows into its own row of a second shared array; the main thread adds
 * those rows up at the end.
 *
 *   node dist/examples/parallel/piscina-sum.js [rows=1000000] [tasks=3000] [threads=2]
 */
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { create, type NdArray } from 'ndshare';
import { columnSums, rowRange } from './rows.js';
import type { RowTask } from './piscina-worker.js';

/** A pool of `threads` workers running piscina-worker.js. */
export function startPool(threads: number): Piscina {
  const filename = new URL('./piscina-worker.js', import.meta.url).href;
  return new Piscina({ filename, minThreads: threads, maxThreads: threads });
}

/**
 * Runs tasks `first` to `first + count - 1` of `partials.shape[0]` tasks over the rows of `input`
 * and resolves when all are done. Task `t` writes row `t` of `partials`.
 */
export async function runTasks(pool: Piscina, input: NdArray<'float64'>, partials: NdArray<'float64'>, first: number, count: number): Promise<void> {
  const handles = { input: input.handle, partials: partials.handle };
  const tasks = partials.shape[0] ?? 0;
  const rows = input.shape[0] ?? 0;
  const runs: Promise<void>[] = [];
  for (let t = first; t < first + count; t++) {
    const task: RowTask = { ...handles, ...rowRange(t, tasks, rows) };
    runs.push(pool.run(task));
  }
  await Promise.all(runs);
}

async function main(rows: number, tasks: number, threads: number): Promise<void> {
  const cols = 8;
  using input = create({ dtype: 'float64', shape: [rows, cols] });
  using partials = create({ dtype: 'float64', shape: [tasks, cols] });
  input.data.forEach((_, i, data) => (data[i] = i % 1000));
  const pool = startPool(threads);
  try {
    const started = performance.now();
    const cpu = process.cpuUsage(); // all threads of the process: the workers' time counts too
    await runTasks(pool, input, partials, 0, tasks);
    const seconds = (performance.now() - started) / 1000;
    const { user, system } = process.cpuUsage(cpu);
    console.log(`column sums: ${columnSums(partials).join(' ')}`);
    console.log(`${tasks} tasks on ${threads} threads in ${seconds.toFixed(3)} s: ${Math.round(tasks / seconds)} tasks/s, ${Math.round((user + system) / tasks)} µs CPU per task`);
  } finally {
    await pool.destroy(); // the workers end, and with them their fds and mappings
  }
} // `using`: input and partials are closed here, after the pool is gone

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [rows = 1_000_000, tasks = 3000, threads = 2] = process.argv.slice(2).map(Number);
  await main(rows, tasks, threads);
}
