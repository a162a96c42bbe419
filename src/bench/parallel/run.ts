/**
 * `ndshare bench --parallel`: real kernels over one shared float64 array, 1..N workers, threads
 * (piscina) and processes (processes.ts), beside NumPy's `multiprocessing.Pool` over SharedMemory
 * with the same split (src/bench/python/parallel.py), and beside the machine's memory bandwidth.
 *
 * For each worker count W: ndshare's thread pool, its process pool, then NumPy's pool, one after
 * the other, so the three see the same minute of a busy machine. Each pool runs every kernel once
 * untimed (workers attach, the JIT compiles), then `repeats` timed runs of W tasks, task t taking
 * rows floor(t*R/W)..floor((t+1)*R/W); then the sharing cost. Every kernel's result is checked.
 */
import { fileURLToPath } from 'node:url';
import { cpus, loadavg } from 'node:os';
import { create } from '../../core/create.js';
import type { NdArray } from '../../core/ndarray.js';
import { floorNative } from '../../core/native.js';
import type { Kind } from '../../methods/types.js';
import type { Progress } from '../progress.js';
import { median } from '../rows.js';
import { lastLine, runProcess } from '../spawn.js';
import type { Bandwidth, BenchOptions, ParallelOptions, ParallelRow, ParallelSection, RowState, SharingCost } from '../types.js';
import { checkAll, checkStencil, fillGrid, KERNELS, rowSpan, type Kernel, type ParallelTask, type RowSpan, type TaskResult } from './kernels.js';
import { startPool, type PoolStart, type TaskPool } from './pool.js';

/** The update a*x+b: on ones, every run adds `b` (exact in float64). */
const kA = 1;
const kB = 0.5;
/** The stencil's step: 4 * alpha = 1 exactly, so the check is exact. */
const kAlpha = 0.25;
/** Bytes a kernel reads and writes per element. */
const kBytesPerElement: Record<Kernel, number> = { sum: 8, axpb: 16, stencil: 16 };
/** Bandwidth passes (the fastest counts: noise only adds). */
const kBandwidthPasses = 3;
/** Bandwidth is measured over at least this much memory: far more than any cache, even for a small array. */
const kBandwidthMinBytes = 64e6;

const kScript = fileURLToPath(new URL('../../../../src/bench/python/parallel.py', import.meta.url));

/** The 2-D grid for n elements: about square, rows x cols <= n. */
export function gridOf(n: number): { rows: number; cols: number } {
  const cols = Math.max(3, Math.round(Math.sqrt(n)));
  return { rows: Math.max(3, Math.floor(n / cols)), cols };
}

/** Steps of a `--parallel` run, for the progress bar: per size, the bandwidth, then per worker count each kind and NumPy. */
export function countParallelSteps(options: BenchOptions): number {
  const p = options.parallel;
  return p ? options.sizes.length * (1 + p.workers.length * (p.kinds.length + 1)) : 0;
}

class Timeout extends Error {
  constructor(readonly afterSeconds: number) {
    super(`timed out after ${afterSeconds} s`);
  }
}

/** `promise`, or a Timeout after `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Timeout(ms / 1000)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Measures read and write bandwidth with each thread count natively; an error text when the addon is missing. */
function measureBandwidth(bytes: number, threads: readonly number[]): { bandwidth: Bandwidth[]; error: string | null } {
  try {
    const b = floorNative();
    const bandwidth = threads.map((t) => ({ threads: t, read: bytes / b.floorBandwidth(bytes, t, 0, kBandwidthPasses), write: bytes / b.floorBandwidth(bytes, t, 1, kBandwidthPasses) }));
    return { bandwidth, error: null };
  } catch (err) {
    return { bandwidth: [], error: err instanceof Error ? err.message : String(err) };
  }
}

interface Measured {
  readonly runs: Partial<Record<Kernel, number[]>>;
  /** Per timed run, the largest CPU time of one task: the run's length had every worker a core of its own. */
  readonly cpu: Partial<Record<Kernel, number[]>>;
  readonly outcome: Partial<Record<Kernel, RowState>>;
  sharing: Omit<SharingCost, 'impl' | 'kind' | 'workers'> | null;
}

const failedState = (err: unknown): RowState =>
  err instanceof Timeout ? { state: 'timeout', afterSeconds: err.afterSeconds } : { state: 'failed', error: err instanceof Error ? err.message : String(err) };

/** One pool of ndshare's (threads or processes) at `workers`, over `x` and `out`. */
async function runNdshare(kind: Kind, workers: number, x: NdArray<'float64'>, out: NdArray<'float64'>, rows: number, cols: number, options: BenchOptions, p: ParallelOptions, signal: AbortSignal | undefined): Promise<Measured> {
  const m: Measured = { runs: {}, cpu: {}, outcome: {}, sharing: null };
  let started: PoolStart;
  try {
    started = await startPool(kind, workers);
  } catch (err) {
    // fork or the Worker constructor refused (EAGAIN, out of memory): this pool's rows fail, the run goes on.
    started = { state: 'failed', error: err instanceof Error ? err.message : String(err) };
  }
  if (started.state !== 'ok') {
    const why: RowState = started.state === 'unsupported' ? { state: 'unsupported', why: started.why } : { state: 'failed', error: `could not start the pool: ${started.error}` };
    for (const k of KERNELS) m.outcome[k] = why;
    m.sharing = { outcome: why, empty: null, noop: null, perTask: null, firstAttach: null };
    return m;
  }
  const pool: TaskPool = started.pool;
  const spans: RowSpan[] = Array.from({ length: workers }, (_, t) => rowSpan(t, workers, rows));
  const batch = (make: (s: RowSpan) => ParallelTask): Promise<TaskResult[]> => within(Promise.all(spans.map((s) => pool.run(make(s)))), options.timeoutMs);
  const timed = async (make: (s: RowSpan) => ParallelTask): Promise<{ seconds: number; cpu: number; results: TaskResult[] }> => {
    const t0 = performance.now();
    const results = await batch(make);
    return { seconds: (performance.now() - t0) / 1000, cpu: Math.max(...results.map((r) => r.cpuSeconds)), results };
  };
  const n = rows * cols;
  const xh = x.handle;
  const outh = out.handle;
  let firstAttach: number | null = null;
  let current: Kernel = 'sum';
  let ended = false;
  try {
    // sum over ones: every run's total is n.
    x.data.fill(1, 0, n);
    const first = await batch((s) => ({ op: 'sum', x: xh, cols, ...s }));
    firstAttach = median(first.map((r) => r.viewSeconds));
    const sums: number[] = [];
    const sumCpu: number[] = [];
    let check: string | null = null;
    for (let r = 0; r < options.repeats && !signal?.aborted; r++) {
      const { seconds, cpu, results } = await timed((s) => ({ op: 'sum', x: xh, cols, ...s }));
      sums.push(seconds);
      sumCpu.push(cpu);
      const total = results.reduce((a, b) => a + b.value, 0);
      if (total !== n) check ??= `sum is ${total}, expected ${n}`;
    }
    m.runs.sum = sums;
    m.cpu.sum = sumCpu;
    m.outcome.sum = check === null ? { state: 'ok' } : { state: 'failed', error: check };
    // a*x+b in place: after k runs over ones, every element is a^k + b(1 + a + ... + a^(k-1)).
    current = 'axpb';
    const updates: number[] = [];
    const updateCpu: number[] = [];
    let want = 1;
    for (let r = 0; r <= options.repeats && !signal?.aborted; r++) {
      const { seconds, cpu } = await timed((s) => ({ op: 'axpb', x: xh, cols, a: kA, b: kB, ...s }));
      if (r > 0) updates.push(seconds);
      if (r > 0) updateCpu.push(cpu);
      want = kA * want + kB;
    }
    m.runs.axpb = updates;
    m.cpu.axpb = updateCpu;
    check = checkAll(x.data, n, want, 'axpb x');
    m.outcome.axpb = check === null ? { state: 'ok' } : { state: 'failed', error: check };
    // The stencil from x (a known grid) into out.
    current = 'stencil';
    fillGrid(x.data, rows, cols);
    out.data.fill(0, 0, n);
    const steps: number[] = [];
    const stepCpu: number[] = [];
    for (let r = 0; r <= options.repeats && !signal?.aborted; r++) {
      const { seconds, cpu } = await timed((s) => ({ op: 'stencil', x: xh, out: outh, rows, cols, alpha: kAlpha, ...s }));
      if (r > 0) steps.push(seconds);
      if (r > 0) stepCpu.push(cpu);
    }
    m.runs.stencil = steps;
    m.cpu.stencil = stepCpu;
    check = checkStencil(x.data, out.data, rows, cols, kAlpha);
    m.outcome.stencil = check === null ? { state: 'ok' } : { state: 'failed', error: check };
    // Sharing cost: one task at a time, an empty and a no-op task alternating.
    const empty: number[] = [];
    const noop: number[] = [];
    const one = async (task: ParallelTask, into: number[]): Promise<void> => {
      const t0 = performance.now();
      await within(pool.run(task), options.timeoutMs);
      into.push((performance.now() - t0) / 1000);
    };
    for (let i = 0; i < p.sharingTasks && !signal?.aborted; i++) {
      await one({ op: 'empty', x: xh }, empty);
      await one({ op: 'noop' }, noop);
    }
    if (empty.length > 0) {
      const e = median(empty);
      const z = median(noop);
      m.sharing = { outcome: { state: 'ok' }, empty: e, noop: z, perTask: e - z, firstAttach };
    }
  } catch (err) {
    const state = failedState(err);
    for (const k of KERNELS.slice(KERNELS.indexOf(current))) m.outcome[k] = state;
    m.sharing = { outcome: state, empty: null, noop: null, perTask: null, firstAttach };
    ended = true;
    await pool.destroy();
  } finally {
    if (!ended) await pool.close();
  }
  return m;
}

/** What src/bench/python/parallel.py prints on its last line. */
interface NumpyAnswer {
  readonly kernels: Partial<Record<Kernel, { seconds: number[]; cpu: number[]; check: string | null }>>;
  readonly sharing: { empty: number; noop: number; firstAttach: number } | null;
}

function parseAnswer(stdout: string): NumpyAnswer | null {
  try {
    const v = JSON.parse(stdout.trim().split('\n').pop() ?? '') as NumpyAnswer;
    return typeof v === 'object' && v !== null && typeof v.kernels === 'object' ? v : null;
  } catch {
    return null;
  }
}

/** NumPy's pool at `workers`: one fresh Python process. */
async function runNumpy(workers: number, rows: number, cols: number, options: BenchOptions, p: ParallelOptions, signal: AbortSignal | undefined): Promise<Measured> {
  const m: Measured = { runs: {}, cpu: {}, outcome: {}, sharing: null };
  const args = [kScript, '--rows', String(rows), '--cols', String(cols), '--workers', String(workers), '--repeats', String(options.repeats), '--sharing-tasks', String(p.sharingTasks), '--a', String(kA), '--b', String(kB), '--alpha', String(kAlpha)];
  // Three kernels with a warm-up each, and the sharing round trips: one cell's limit per kernel.
  const exit = await runProcess('python3', args, options.timeoutMs * 4, process.env, signal);
  let state: RowState | null = null;
  let parsed: NumpyAnswer | null = null;
  if (exit.state === 'failed') state = { state: 'unsupported', why: `NumPy's side needs python3 with NumPy: ${exit.error}` };
  else if (exit.state === 'interrupted') state = { state: 'failed', error: 'interrupted' };
  else if (exit.state === 'timeout') state = { state: 'timeout', afterSeconds: exit.afterSeconds };
  else {
    parsed = parseAnswer(exit.stdout);
    if (parsed === null) {
      const why = lastLine(exit.stderr);
      state = /No module named 'numpy'/.test(why) ? { state: 'unsupported', why: `NumPy's side needs NumPy for python3: ${why}` } : { state: 'failed', error: `python3 exited with ${exit.signal ?? `code ${exit.code}`}: ${why}` };
    }
  }
  for (const k of KERNELS) {
    const got = parsed?.kernels[k];
    if (got === undefined) {
      m.outcome[k] = state ?? { state: 'failed', error: 'the NumPy reference printed no result for this kernel' };
      continue;
    }
    m.runs[k] = got.seconds;
    m.cpu[k] = got.cpu;
    m.outcome[k] = got.check === null ? { state: 'ok' } : { state: 'failed', error: got.check };
  }
  const s = parsed?.sharing;
  m.sharing = s ? { outcome: { state: 'ok' }, empty: s.empty, noop: s.noop, perTask: s.empty - s.noop, firstAttach: s.firstAttach } : { outcome: state ?? { state: 'failed', error: 'no sharing result' }, empty: null, noop: null, perTask: null, firstAttach: null };
  return m;
}

/** Runs `--parallel` at element count `n`. */
export async function runParallel(n: number, options: BenchOptions, progress: Progress, signal?: AbortSignal): Promise<ParallelSection> {
  const p = options.parallel as ParallelOptions;
  const { rows, cols } = gridOf(n);
  const cores = Math.max(1, cpus().length);
  const bytes = rows * cols * 8;
  progress.start(`parallel n=${n}: memory bandwidth`);
  const threads = [...new Set([1, cores, ...p.workers])].sort((a, b) => a - b);
  const bw = measureBandwidth(Math.max(bytes, kBandwidthMinBytes), threads);
  progress.end(bw.error === null ? 'ok' : 'failed');
  const measured: Array<{ impl: 'ndshare' | 'numpy'; kind: Kind; workers: number; m: Measured }> = [];
  const x = create({ dtype: 'float64', shape: [rows * cols] });
  const out = create({ dtype: 'float64', shape: [rows, cols] });
  try {
    for (const w of p.workers) {
      for (const kind of p.kinds) {
        if (signal?.aborted) break;
        progress.start(`parallel n=${n}: ${kind === 'process' ? 'processes' : 'threads'} x${w}`);
        const m = await runNdshare(kind, w, x, out, rows, cols, options, p, signal);
        progress.end(Object.values(m.outcome).some((o) => o.state === 'failed') ? 'failed' : 'ok');
        measured.push({ impl: 'ndshare', kind, workers: w, m });
      }
      if (signal?.aborted) break;
      progress.start(`parallel n=${n}: NumPy pool x${w}`);
      const m = await runNumpy(w, rows, cols, options, p, signal);
      progress.end(Object.values(m.outcome).some((o) => o.state === 'failed') ? 'failed' : 'ok');
      measured.push({ impl: 'numpy', kind: 'process', workers: w, m });
    }
  } finally {
    x.close();
    out.close();
  }
  const results: ParallelRow[] = [];
  for (const { impl, kind, workers, m } of measured) {
    for (const kernel of KERNELS) {
      const runs = m.runs[kernel] ?? [];
      const outcome = m.outcome[kernel] ?? { state: 'failed', error: 'not run' };
      const med = runs.length > 0 && outcome.state === 'ok' ? median(runs) : null;
      const cpuRuns = m.cpu[kernel] ?? [];
      const cpu = cpuRuns.length > 0 && med !== null ? median(cpuRuns) : null;
      results.push({ impl, kind, kernel, workers, runs, outcome, median: med, speedup: null, efficiency: null, cpu, cpuEfficiency: null, throughput: med === null ? null : (rows * cols * kBytesPerElement[kernel]) / med, ratioNumpy: null });
    }
  }
  const withRatios = results.map((r) => {
    const base = results.find((o) => o.impl === r.impl && o.kind === r.kind && o.kernel === r.kernel && o.workers === 1);
    const one = base?.median ?? null;
    const oneCpu = base?.cpu ?? null;
    const np = results.find((o) => o.impl === 'numpy' && o.kernel === r.kernel && o.workers === r.workers)?.median ?? null;
    const speedup = one !== null && r.median !== null ? one / r.median : null;
    const cpuEfficiency = oneCpu !== null && r.cpu !== null && r.cpu > 0 ? oneCpu / r.cpu / r.workers : null;
    return { ...r, speedup, efficiency: speedup === null ? null : speedup / r.workers, cpuEfficiency, ratioNumpy: r.impl === 'ndshare' && np !== null && r.median !== null ? r.median / np : null };
  });
  const sharing: SharingCost[] = measured.map(({ impl, kind, workers, m }) => ({ impl, kind, workers, ...(m.sharing ?? { outcome: { state: 'failed', error: 'not run' }, empty: null, noop: null, perTask: null, firstAttach: null }) }));
  return { n, rows, cols, bytes, cores, bandwidth: bw.bandwidth, bandwidthError: bw.error, results: withRatios, sharing, loadavg: loadavg().map((l) => Math.round(l * 100) / 100) };
}
