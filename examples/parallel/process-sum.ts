/**
 * Recipe: the column sums of piscina-sum.ts with child processes (docs/parallel.md). A few children
 * inherit both arrays at fork and take row ranges over IPC: the next range goes to whichever child
 * finished one, and each writes its partial result into its own row of the second array.
 *
 *   node dist/examples/parallel/process-sum.js [rows=1000000] [tasks=200] [children=2]
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { create, forkWithArrays, type NdArray } from 'ndshare';
import { columnSums, rowRange } from './rows.js';

const kChild = fileURLToPath(new URL('./process-child.js', import.meta.url));

/**
 * Runs all `partials.shape[0]` tasks over the rows of `input` on `children` child processes and
 * resolves once every task is done and every child has exited. Returns the children.
 */
export async function runChildren(input: NdArray<'float64'>, partials: NdArray<'float64'>, children: number): Promise<ChildProcess[]> {
  const tasks = partials.shape[0] ?? 0;
  const rows = input.shape[0] ?? 0;
  let next = 0;
  const kids = Array.from({ length: children }, () => forkWithArrays(kChild, [], [input, partials]));
  const finished = (child: ChildProcess): Promise<void> =>
    new Promise((resolve, reject) => {
      let busy = false;
      const feed = (): void => {
        busy = next < tasks;
        if (busy) child.send(rowRange(next++, tasks, rows));
        else child.disconnect(); // no work left: the child closes its arrays and exits
      };
      child.on('message', feed);
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        if (code === 0 && !busy) resolve();
        else reject(new Error(`Expected child ${child.pid} to finish its tasks but it exited with ${signal ?? code}`));
      });
      feed();
    });
  try {
    await Promise.all(kids.map(finished));
  } catch (err) {
    for (const child of kids) child.kill(); // one failed: stop the others rather than leave them running
    throw err;
  }
  return kids;
}

async function main(rows: number, tasks: number, children: number): Promise<void> {
  using input = create({ dtype: 'float64', shape: [rows, 8] });
  using partials = create({ dtype: 'float64', shape: [tasks, 8] });
  input.data.forEach((_, i, data) => (data[i] = i % 1000));
  await runChildren(input, partials, children);
  console.log(`column sums: ${columnSums(partials).join(' ')}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [rows = 1_000_000, tasks = 200, children = 2] = process.argv.slice(2).map(Number);
  await main(rows, tasks, children);
}
