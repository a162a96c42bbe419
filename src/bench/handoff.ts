/**
 * `ndshare bench --handoff`: the handoff to a RUNNING receiver, which is what an application does
 * after start-up. For each size and each zero-copy backing, one fresh cell process (handoff-cell.ts)
 * starts its receivers (a child process over IPC, a worker thread over its MessagePort), creates
 * one array, and hands its handle over many times; the Python reference (python/handoff.py) does
 * the same with a SharedMemory name over a multiprocessing Pipe. Each row holds the median and
 * p99 of the one-way time from the send until the receiver holds a view.
 *
 * Not measured, because Node cannot do it: passing an fd to a running process (SCM_RIGHTS); Node
 * hands fds to a child only at spawn. A memfd still reaches a running process of the same user,
 * by reopening /proc/<pid>/fd/<n> from its handle, and that is what the memfd rows measure.
 */
import { readdirSync, unlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dtypeInfo, type DType } from '../core/dtype.js';
import { kShmDir } from '../core/layout.js';
import type { Kind } from '../methods/types.js';
import { collectEnv } from './env.js';
import { reapCell, reportOf } from './orchestrator.js';
import type { Progress } from './progress.js';
import { median } from './rows.js';
import { kHandoffIterations } from './options.js';
import { lastLine, runProcess } from './spawn.js';
import { formatCount } from './table.js';
import type { BenchOptions, HandoffBacking, HandoffCellResult, HandoffResult, HandoffRow, HandoffSamples, Report, RowState } from './types.js';

const kItemsize = dtypeInfo('float64' as DType).itemsize;

/** Uncounted handoffs per receiver first: the first attach loads code and warms V8's caches. */
export const kHandoffWarmup = 10;

/** The zero-copy backings, and the receivers each can be handed to after they started. */
export const kHandoffBackings: ReadonlyArray<{ readonly backing: HandoffBacking; readonly kinds: readonly Kind[] }> = [
  { backing: 'shm', kinds: ['process', 'thread'] },
  { backing: 'memfd', kinds: ['process', 'thread'] },
  { backing: 'file', kinds: ['process', 'thread'] },
  { backing: 'sab', kinds: ['thread'] },
];

const cellScript = fileURLToPath(new URL('./handoff-cell.js', import.meta.url));
/** Path of the Python side in the installed package. */
export const handoffPythonScript = fileURLToPath(new URL('../../../src/bench/python/handoff.py', import.meta.url));

/** Cells of a `--handoff` run, for the progress bar. */
export function countHandoffSteps(options: Pick<BenchOptions, 'sizes' | 'python'>): number {
  return options.sizes.length * (kHandoffBackings.length + (options.python ? 1 : 0));
}

/** Value at quantile q (0..1) of a sorted list, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}

/** The whole `--handoff` run as a report: no study rows, the handoff section instead. */
export async function runHandoffBench(options: BenchOptions, argv: readonly string[], progress: Progress, signal?: AbortSignal): Promise<Report> {
  const t0 = process.hrtime.bigint();
  const env = collectEnv(argv, options.python);
  const handoff = await runHandoff(options, progress, signal);
  return reportOf(env, options, t0, signal, { floors: [], rows: [], handoff });
}

/** Runs every handoff cell (and the Python reference, with --python) and returns the rows. */
export async function runHandoff(options: BenchOptions, progress: Progress, signal?: AbortSignal): Promise<HandoffResult> {
  const iterations = options.iterations ?? kHandoffIterations;
  const rows: HandoffRow[] = [];
  for (const n of options.sizes) {
    for (const { backing, kinds } of kHandoffBackings) {
      if (signal?.aborted) break;
      progress.start(`handoff ${backing} n=${formatCount(n)}`);
      const spec = { backing, kinds, n, iterations, warmup: kHandoffWarmup, dir: options.dir };
      const result = await runJson(process.execPath, ['--expose-gc', cellScript, JSON.stringify(spec)], 'fd3', options.timeoutMs, signal, (pid) => reapCell(pid, options.dir));
      if (result === null) break;
      progress.end(result.state === 'ok' ? 'ok' : 'failed');
      rows.push(...kinds.map((kind) => rowOf('ndshare', backing, kind, kind === 'process' ? 'ipc' : 'MessagePort', n, iterations, result)));
    }
    if (options.python && !signal?.aborted) {
      progress.start(`handoff python shm n=${formatCount(n)}`);
      const args = [handoffPythonScript, '--n', String(n), '--iterations', String(iterations), '--warmup', String(kHandoffWarmup)];
      const result = await runJson('python3', args, 'stdout', options.timeoutMs, signal, reapPython);
      if (result === null) break;
      progress.end(result.state === 'ok' ? 'ok' : 'failed');
      rows.push(rowOf('python', 'shm', 'process', 'multiprocessing.Pipe', n, iterations, result));
    }
  }
  return { warmup: kHandoffWarmup, rows: withHandoffRatios(rows) };
}

/** Runs one cell and parses its JSON answer; null when interrupted. */
async function runJson(
  command: string,
  args: readonly string[],
  from: 'fd3' | 'stdout',
  timeoutMs: number,
  signal: AbortSignal | undefined,
  reap: (pid: number) => void,
): Promise<HandoffCellResult | null> {
  const exit = await runProcess(command, args, timeoutMs, process.env, signal);
  // Killed (timeout, Ctrl-C) or crashed: its own clean-up did not run.
  if (exit.state !== 'failed' && (exit.state !== 'exited' || exit.code !== 0 || exit.signal !== null) && exit.pid > 0) reap(exit.pid);
  if (exit.state === 'interrupted') return null;
  if (exit.state === 'failed') return { state: 'failed', error: exit.error };
  if (exit.state === 'timeout') return { state: 'failed', error: `timed out after ${exit.afterSeconds.toFixed(0)} s` };
  const text = from === 'fd3' ? exit.result : (exit.stdout.split('\n').filter((l) => l.startsWith('{')).pop() ?? '');
  try {
    return JSON.parse(text) as HandoffCellResult;
  } catch {
    const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
    return { state: 'failed', error: `${command} exited with ${how} and no result${exit.stderr ? `: ${lastLine(exit.stderr)}` : ''}` };
  }
}

/** Removes the segment of a Python reference that was killed (its `finally` did not run). */
function reapPython(pid: number): void {
  try {
    for (const f of readdirSync(kShmDir)) if (f.startsWith(`ndshare-ref-${pid}-handoff-`)) unlinkSync(`${kShmDir}/${f}`);
  } catch {
    // Gone already.
  }
}

function rowOf(impl: HandoffRow['impl'], backing: HandoffBacking, kind: Kind, channel: HandoffRow['channel'], n: number, iterations: number, result: HandoffCellResult): HandoffRow {
  const base = { impl, backing, kind, channel, n, bytes: n * kItemsize, iterations, ratioPython: null, ratioSmallest: null };
  const empty = { create: null, median: null, p99: null, min: null, max: null, roundTripMedian: null, bareMedian: null, attachMedian: null };
  if (result.state === 'failed') return { ...base, ...empty, outcome: { state: 'failed', error: result.error } };
  const samples: HandoffSamples | undefined = result.receivers.find((r) => r.kind === kind);
  if (!samples || samples.latencies.length === 0) return { ...base, ...empty, outcome: { state: 'failed', error: `no ${kind} samples in the answer` } };
  const sorted = [...samples.latencies].sort((a, b) => a - b);
  const outcome: RowState = { state: 'ok' };
  return {
    ...base,
    iterations: sorted.length,
    outcome,
    create: result.create,
    median: median(sorted),
    p99: quantile(sorted, 0.99),
    min: sorted[0] ?? null,
    max: sorted[sorted.length - 1] ?? null,
    roundTripMedian: median(samples.roundTrips),
    bareMedian: samples.bare.length > 0 ? median(samples.bare) : null,
    attachMedian: samples.attaches.length > 0 ? median(samples.attaches) : null,
  };
}

/** Fills ratioPython (same size) and ratioSmallest (same impl, backing and kind). */
export function withHandoffRatios(rows: readonly HandoffRow[]): HandoffRow[] {
  return rows.map((row) => {
    const py = rows.find((r) => r.impl === 'python' && r.n === row.n && r.median !== null);
    const same = rows.filter((r) => r.impl === row.impl && r.backing === row.backing && r.kind === row.kind && r.median !== null);
    const smallest = same.reduce<HandoffRow | undefined>((a, b) => (a === undefined || b.n < a.n ? b : a), undefined);
    return {
      ...row,
      ratioPython: row.impl === 'ndshare' && py?.median != null && row.median !== null && py.median > 0 ? row.median / py.median : null,
      ratioSmallest: smallest?.median != null && row.median !== null && smallest.n !== row.n && smallest.median > 0 ? row.median / smallest.median : null,
    };
  });
}
