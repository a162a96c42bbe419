/**
 * Turns measured runs into report rows: medians, throughput, peak memory, and the ratios to the
 * NumPy original and to the physical floors.
 */
import type { Floors, Phases, Row, RowState, Run } from './types.js';

/** Median of a non-empty list (mean of the middle two for even lengths). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** What a row is about, before its runs are summarised. */
export type RowKey = Pick<Row, 'impl' | 'method' | 'title' | 'kind' | 'temperature' | 'n' | 'dtype' | 'bytes' | 'copies'>;

type OkRun = Extract<Run, { state: 'ok' }>;

/**
 * Summarises runs into a row (ratios are filled in later by `withRatios`). `sampledKiB` is the
 * peak memory with shared pages once from the cell's separate memory run (orchestrator's
 * memoryRun); without it, the largest the runs themselves carry, if any.
 */
export function summarise(key: RowKey, runs: readonly Run[], unsupported?: string, sampledKiB?: number): Row {
  const ok = runs.filter((r): r is OkRun => r.state === 'ok');
  const totals = ok.map((r) => r.total);
  const mid = totals.length > 0 ? median(totals) : null;
  const phases = ok.length > 0 && ok.every(hasPhases) ? medianPhases(ok as Array<OkRun & Phases>) : null;
  const peaks = ok.filter((r) => r.peakParentKiB !== undefined).map((r) => (r.peakParentKiB ?? 0) + (r.peakChildKiB ?? 0));
  const once = sampledKiB !== undefined ? [sampledKiB] : ok.flatMap((r) => (r.peakOnceKiB !== undefined ? [r.peakOnceKiB] : []));
  const peakOnceKiB = once.length > 0 ? Math.max(...once) : null;
  return {
    ...key,
    runs,
    outcome: outcomeOf(runs, unsupported),
    min: totals.length > 0 ? Math.min(...totals) : null,
    median: mid,
    max: totals.length > 0 ? Math.max(...totals) : null,
    phases,
    throughput: mid !== null && mid > 0 ? key.bytes / mid : null,
    peakKiB: peaks.length > 0 ? Math.max(...peaks) : null,
    peakOnceKiB,
    memoryRatio: peakOnceKiB !== null && key.bytes > 0 ? (peakOnceKiB * 1024) / key.bytes : null,
    floor: null,
    ratioFloor: null,
    ratioNumpy: null,
  };
}

function hasPhases(r: OkRun): r is OkRun & Phases {
  return r.create !== undefined && r.handoff !== undefined && r.read !== undefined;
}

function medianPhases(runs: ReadonlyArray<Phases>): Phases {
  return {
    create: median(runs.map((r) => r.create)),
    handoff: median(runs.map((r) => r.handoff)),
    read: median(runs.map((r) => r.read)),
    total: median(runs.map((r) => r.total)),
  };
}

function outcomeOf(runs: readonly Run[], unsupported: string | undefined): RowState {
  if (unsupported !== undefined) return { state: 'unsupported', why: unsupported };
  const timeout = runs.find((r) => r.state === 'timeout');
  if (timeout) return timeout;
  const failed = runs.find((r) => r.state === 'failed');
  if (failed) return failed;
  return { state: 'ok' };
}

/**
 * The floor of a method: the least that its steps cost on this machine. Every method creates the
 * array (fresh shared pages; warm rows: the refill of a pooled segment, or in reports made before
 * that floor existed, memset of faulted pages) and starts and joins a receiver (a bare receiver from
 * its spawn to its exit, or in reports made before that floor existed to when its code runs; a bare
 * worker from its construction to its exit).
 * A copying method also moves the bytes: through a socketpair between processes, or one memory
 * pass between threads, plus fresh pages for the receiver's copy.
 */
export function floorOf(row: Pick<Row, 'kind' | 'temperature' | 'copies'>, f: Floors): number {
  const create = row.temperature === 'warm' ? (f.refill ?? f.memset) : f.freshShared;
  const start = row.kind === 'process' ? (f.spawnJoined ?? f.spawn) : f.worker;
  const move = row.copies === true ? (row.kind === 'process' ? f.pipe : f.memset) + f.freshShared : 0;
  return create + start + move;
}

/** Fills `floor`, `ratioFloor` and `ratioNumpy` from the floors and the NumPy rows of the same run. */
export function withRatios(rows: readonly Row[], floors: readonly Floors[]): Row[] {
  return rows.map((row) => {
    const f = floors.find((x) => x.bytes === row.bytes);
    const floor = f && row.impl === 'ndshare' ? floorOf(row, f) : null;
    const numpy =
      row.impl === 'ndshare' && row.kind === 'process'
        ? rows.find((r) => r.impl === 'numpy' && r.method === row.method && r.n === row.n && r.temperature === row.temperature)
        : undefined;
    return {
      ...row,
      floor,
      ratioFloor: floor !== null && row.median !== null && floor > 0 ? row.median / floor : null,
      ratioNumpy: numpy?.median != null && row.median !== null && numpy.median > 0 ? row.median / numpy.median : null,
    };
  });
}
