/**
 * The orchestrator: runs every method x kind x size x repeat as one fresh cell process (so one
 * method's heap and page cache state cannot distort the next), interleaves the NumPy reference
 * when asked, measures the floors, and assembles the report.
 */
import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reclaimIfDead, segmentNames } from '../core/sweep.js';
import type { MethodInfo, MethodName } from '../methods/table.js';
import type { Kind } from '../methods/types.js';
import { dtypeInfo, type DType } from '../core/dtype.js';
import { collectEnv } from './env.js';
import { measureFloors } from './floors.js';
import { MemorySampler } from './memory.js';
import type { Progress } from './progress.js';
import { countParallelSteps, runParallel } from './parallel/run.js';
import { PYTHON_METHODS, runPython } from './python.js';
import { summarise, withRatios, type RowKey } from './rows.js';
import { formatCount } from './table.js';
import { lastLine, runProcess } from './spawn.js';
import type { BenchOptions, CellResult, CellSpec, Floors, ParallelSection, Report, Row, Run } from './types.js';

/** Path of the cell entry point (dist/src/bench/cell.js). */
export const cellScript = fileURLToPath(new URL('./cell.js', import.meta.url));

/** The static facts the orchestrator needs about each method (from the registry). */
export type MethodCatalog = ReadonlyMap<MethodName, MethodInfo>;

/** Titles of the study's methods for NumPy rows, as the study names them. */
const STUDY_TITLES: Partial<Record<MethodName, { title: string; copies: boolean }>> = {
  inherit: { title: 'Inherited (fork)', copies: true },
  argument: { title: 'Function Argument', copies: true },
  pipe: { title: 'Pipe', copies: true },
  queue: { title: 'Queue', copies: true },
  locked: { title: 'ctype Array', copies: false },
  raw: { title: 'ctype RawArray', copies: false },
  shm: { title: 'SharedMemory', copies: false },
  mmap: { title: 'MemoryMapped File', copies: false },
  manager: { title: 'Manager', copies: false },
};

/** A cell's cold run and, when it ran one, its warm run. */
export interface CellRuns {
  readonly cold: Run;
  readonly warm: Run | null;
}

/**
 * Runs one cell process and turns its answer (or its death) into a cold and a warm run; null when
 * `signal` aborted it (its process group was ended and what it created removed). With `sample`,
 * the memory sampler watches the cell's process tree (peakOnceKiB); its reads of /proc every 5 ms
 * compete with the cell for the cores, so a timed run is not sampled (see runMethod).
 */
export async function runCell(spec: CellSpec, timeoutMs: number, signal?: AbortSignal, sample = false): Promise<CellRuns | null> {
  let sampler: MemorySampler | undefined;
  const watch = (pid: number): (() => void) => {
    sampler = new MemorySampler(pid);
    return () => void sampler?.stop();
  };
  const exit = await runProcess(process.execPath, [cellScript, JSON.stringify(spec)], timeoutMs, process.env, signal, sample ? watch : undefined);
  if (exit.state === 'interrupted') {
    if (exit.pid > 0) reapCell(exit.pid, spec.dir);
    return null;
  }
  if (exit.state !== 'failed' && (exit.state === 'timeout' || exit.signal !== null || exit.code !== 0)) reapCell(exit.pid, spec.dir);
  if (exit.state === 'timeout') return { cold: { state: 'timeout', afterSeconds: exit.afterSeconds }, warm: null };
  if (exit.state === 'failed') return { cold: { state: 'failed', error: exit.error }, warm: null };
  let result: CellResult | undefined;
  try {
    result = JSON.parse(exit.result) as CellResult;
  } catch {
    result = undefined;
  }
  if (!result) {
    const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
    return { cold: { state: 'failed', error: `cell exited with ${how} and no result${exit.stderr ? `: ${lastLine(exit.stderr)}` : ''}` }, warm: null };
  }
  if (result.state === 'failed') return { cold: { state: 'failed', error: result.error }, warm: null };
  const once = sampler?.peak?.totalKiB;
  const peaks = { peakParentKiB: result.peakParentKiB, peakChildKiB: result.peakChildKiB, ...(once !== undefined ? { peakOnceKiB: once } : {}) };
  const cold: Run = { state: 'ok', ...result.cold, ...peaks };
  let warm: Run | null = null;
  if (result.warm !== null) warm = 'error' in result.warm ? { state: 'failed', error: result.warm.error } : { state: 'ok', ...result.warm, ...peaks };
  return { cold, warm };
}

/**
 * After a cell was killed (timeout) or crashed, its exit handlers did not run: remove what it
 * created, found by its pid in the names (segments `ndshare-<pid>-...`, files in `dir`). A segment
 * is removed only if nobody holds it (the same liveness rule as `ndshare sweep`).
 */
export function reapCell(pid: number, dir: string): void {
  const prefix = `ndshare-${pid}-`;
  for (const name of segmentNames()) {
    if (!name.replace(/^\//, '').startsWith(prefix)) continue;
    try {
      reclaimIfDead(name);
    } catch {
      // A lock or stat that failed leaves this one segment for `ndshare sweep` (which reports
      // why); the run goes on with its next cell.
    }
  }
  try {
    for (const f of readdirSync(dir)) {
      if (f.startsWith(prefix) && f.endsWith('.npy')) unlinkSync(join(dir, f));
    }
  } catch {
    // The directory is gone or unreadable: nothing of ours to remove there.
  }
}

/** Cells of a selection: method x kind pairs the registry supports, for every size and repeat. */
export function countCells(options: Pick<BenchOptions, 'methods' | 'kinds' | 'sizes' | 'repeats'>, catalog: MethodCatalog): number {
  let cells = 0;
  for (const m of options.methods) for (const k of options.kinds) if (catalog.get(m)?.kinds[k].supported === true) cells += options.sizes.length * options.repeats;
  return cells;
}

/**
 * Why a selection of methods and kinds runs no cell at all (every method lacks every chosen kind),
 * with what would make it run; null when it runs at least one.
 */
export function whyNoCells(options: Pick<BenchOptions, 'methods' | 'kinds'>, catalog: MethodCatalog): string | null {
  if (countCells({ ...options, sizes: [1], repeats: 1 }, catalog) > 0) return null;
  const flag = (k: Kind): string => (k === 'thread' ? '--threads' : '--kinds process');
  const parts = options.methods.map((m) => {
    const info = catalog.get(m);
    const other = info ? (['process', 'thread'] as const).filter((k) => info.kinds[k].supported) : [];
    return other.length === 0 ? `${m} runs as no kind` : `${m} runs only as ${other.join(' and ')} (add ${other.map(flag).join(' or ')})`;
  });
  return `every selected method lacks the selected kind (${options.kinds.join(', ')}): ${parts.join('; ')}`;
}

/** Counts the steps of a run, for the progress bar. */
export function countSteps(options: BenchOptions, catalog: MethodCatalog): number {
  if (options.parallel) return countParallelSteps(options);
  let steps = options.floor ? options.sizes.length : 0;
  for (const m of options.methods) {
    for (const k of options.kinds) {
      if (catalog.get(m)?.kinds[k].supported !== true) continue;
      const py = options.python && k === 'process' && PYTHON_METHODS.includes(m) ? 2 : 1;
      // The timed runs (each followed by NumPy's with --python), then one memory run.
      steps += options.sizes.length * (options.repeats * py + (options.memory === false ? 0 : 1));
    }
  }
  return steps;
}

/**
 * Runs the whole benchmark and returns the report. When `signal` aborts (Ctrl-C), the running cell
 * is ended and reaped, and the report holds the cells that finished, marked `partial`.
 */
export async function runBench(options: BenchOptions, catalog: MethodCatalog, argv: readonly string[], progress: Progress, signal?: AbortSignal): Promise<Report> {
  const t0 = process.hrtime.bigint();
  const env = collectEnv(argv, options.python || options.parallel !== undefined);
  if (options.parallel) {
    // --parallel runs its kernels instead of the study's cells.
    const parallel: ParallelSection[] = [];
    for (const n of options.sizes) {
      if (signal?.aborted) break;
      parallel.push(await runParallel(n, options, progress, signal));
    }
    return reportOf(env, options, t0, signal, { floors: [], rows: [], parallel });
  }
  const itemsize = dtypeInfo(options.dtype as DType).itemsize;
  const floors: Floors[] = [];
  if (options.floor) {
    for (const n of options.sizes) {
      if (signal?.aborted) break;
      progress.start(`floors n=${n}`);
      const measured = await measureFloors(n * itemsize, signal);
      if (measured === undefined) break;
      floors.push(measured);
      progress.end('ok');
    }
  }
  const rows: Row[] = [];
  for (const n of options.sizes) {
    for (const method of options.methods) {
      const info = catalog.get(method);
      for (const kind of options.kinds) {
        if (signal?.aborted) break;
        rows.push(...(await runMethod(options, method, info, kind, n, itemsize, progress, signal)));
      }
    }
  }
  return reportOf(env, options, t0, signal, { floors, rows: withRatios(rows, floors) });
}

/**
 * A report around what a run measured (the study's rows and floors, or the `--parallel` or
 * `--handoff` section): the schema tag, machine, options, wall time since `t0`, and `partial`
 * when `signal` stopped it.
 */
export function reportOf(
  env: Report['env'],
  options: BenchOptions,
  t0: bigint,
  signal: AbortSignal | undefined,
  measured: Pick<Report, 'floors' | 'rows' | 'parallel' | 'handoff'>,
): Report {
  return {
    schema: 'ndshare-bench/1',
    env,
    options,
    ...measured,
    seconds: Number(process.hrtime.bigint() - t0) / 1e9,
    ...(signal?.aborted ? { partial: true } : {}),
  };
}

/** The peak memory (KiB, shared pages once) of one sampled, untimed run of a cell; undefined if it failed. */
async function memoryRun(spec: CellSpec, timeoutMs: number, progress: Progress, signal: AbortSignal | undefined): Promise<number | undefined> {
  progress.start(`${spec.method} ${spec.kind} n=${formatCount(spec.n)} peak memory`);
  const cell = await runCell(spec, timeoutMs, signal, true);
  if (cell === null) return undefined;
  progress.end(cell.cold.state);
  return cell.cold.state === 'ok' ? cell.cold.peakOnceKiB : undefined;
}

async function runMethod(
  options: BenchOptions,
  method: MethodName,
  info: MethodInfo | undefined,
  kind: Kind,
  n: number,
  itemsize: number,
  progress: Progress,
  signal: AbortSignal | undefined,
): Promise<Row[]> {
  const key: RowKey = {
    impl: 'ndshare',
    method,
    title: info?.title ?? method,
    kind,
    temperature: 'cold',
    n,
    dtype: options.dtype,
    bytes: n * itemsize,
    copies: info?.copies ?? null,
  };
  const support = info?.kinds[kind];
  if (!support || !support.supported) {
    return [summarise(key, [], support && !support.supported ? support.why : `method '${method}' is not in the registry`)];
  }
  const withPython = options.python && kind === 'process' && PYTHON_METHODS.includes(method);
  const cold: Run[] = [];
  const warm: Run[] = [];
  const pyCold: Run[] = [];
  const pyWarm: Run[] = [];
  // The same cell for every timed run and for the memory run.
  const spec: CellSpec = { method, kind, n, dtype: options.dtype, verify: options.verify, prefault: options.prefault, warm: options.warm, dir: options.dir };
  for (let r = 0; r < options.repeats; r++) {
    progress.start(`${method} ${kind} n=${formatCount(n)} run ${r + 1}/${options.repeats}`);
    const cell = await runCell(spec, options.timeoutMs, signal);
    // Interrupted: this cell's run is not a measurement; the runs before it are.
    if (cell === null) break;
    // A hang repeats: after one timeout, further repeats would only burn the time budget.
    const last = cell.cold.state === 'timeout';
    if (last) progress.skip((options.repeats - r - 1) * (withPython ? 2 : 1));
    progress.end(cell.cold.state);
    cold.push(cell.cold);
    if (cell.warm) warm.push(cell.warm);
    // NumPy's run of the same method right after ndshare's: same machine state, same minute.
    if (withPython) {
      progress.start(`numpy ${method} n=${formatCount(n)} run ${r + 1}/${options.repeats}`);
      const py = await runPython({ method, n, dtype: options.dtype, verify: options.verify, dir: options.dir, timeoutMs: options.timeoutMs, signal });
      if (signal?.aborted) break;
      progress.end(py.cold.state);
      pyCold.push(py.cold);
      pyWarm.push(py.warm);
    }
    if (last) break;
  }
  if (cold.length === 0) return [];
  // Peak memory from one more run of the same cell, sampled from outside; its times are not
  // counted. Sampling the timed runs instead made their handoffs 15-25 ms slower (reads of /proc
  // every 5 ms on a 2-core machine), and NumPy's runs are never sampled.
  const measured = options.memory !== false && cold.some((r) => r.state === 'ok') && !signal?.aborted ? await memoryRun(spec, options.timeoutMs, progress, signal) : undefined;
  const out: Row[] = [summarise(key, cold, undefined, measured)];
  if (warm.length > 0) out.push(summarise({ ...key, temperature: 'warm' }, warm, undefined, measured));
  if (withPython && pyCold.length > 0) {
    const study = STUDY_TITLES[method];
    const np: RowKey = { ...key, impl: 'numpy', title: study?.title ?? method, copies: study?.copies ?? null };
    out.push(summarise(np, pyCold), summarise({ ...np, temperature: 'warm' }, pyWarm));
  }
  return out;
}
