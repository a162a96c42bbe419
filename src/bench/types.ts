/**
 * Every shape that crosses a boundary in the benchmark: the orchestrator's options, the spec sent to
 * a cell process, the cell's answer, and the JSON report (`--json`), which src/bench/schema.ts
 * describes as a JSON Schema. Outcomes are tagged unions on `state`.
 */
import type { MethodName } from '../methods/table.js';
import type { Kind } from '../methods/types.js';
import type { Kernel } from './parallel/kernels.js';

/** Which implementation a row measures. */
export type Impl = 'ndshare' | 'numpy';

/** Cold: the array's pages are fresh. Warm: they come from a pool of already-faulted segments. */
export type Temperature = 'cold' | 'warm';

/** Options of one `ndshare bench` run, after parsing. */
export interface BenchOptions {
  readonly methods: readonly MethodName[];
  readonly kinds: readonly Kind[];
  /** Element counts; one unless `--sweep`. */
  readonly sizes: readonly number[];
  readonly dtype: string;
  readonly repeats: number;
  readonly verify: boolean;
  /** The receiver prefaults the array's pages before it has its view (`receive({ prefault: true })`). */
  readonly prefault: boolean;
  readonly python: boolean;
  readonly floor: boolean;
  readonly warm: boolean;
  /**
   * One untimed run per method that measures peak memory (default true; `--no-memory` turns it
   * off); absent in reports written before it was added.
   */
  readonly memory?: boolean;
  /** Per-cell wall-clock limit. */
  readonly timeoutMs: number;
  /** Where file-backed methods (and the NumPy memmap) put their files. */
  readonly dir: string;
  /** `--parallel`: run the parallel kernels instead of the study. Absent otherwise. */
  readonly parallel?: ParallelOptions;
  /**
   * `--handoff`: measure the handoff to an already running receiver (src/bench/handoff.ts)
   * instead of the study; absent in reports written before it was added.
   */
  readonly handoff?: boolean;
  /** `--iterations`: handoffs per receiver in `--handoff` mode (after the warm-up). */
  readonly iterations?: number;
}

/** What `--parallel` runs: worker counts and kinds (the NumPy pool always runs beside them). */
export interface ParallelOptions {
  /** Worker counts (`--workers`, default 1..cores). */
  readonly workers: readonly number[];
  readonly kinds: readonly Kind[];
  /** Round trips of an empty and of a no-op task each, for the sharing cost. */
  readonly sharingTasks: number;
}

/** What the orchestrator asks one cell process to do (passed as JSON in argv). */
export interface CellSpec {
  readonly method: MethodName;
  readonly kind: Kind;
  readonly n: number;
  readonly dtype: string;
  readonly verify: boolean;
  readonly prefault: boolean;
  /** Also run a second, warm cycle from the segment pool after the cold one. */
  readonly warm: boolean;
  readonly dir: string;
}

/** Phase times of one cycle, in seconds. */
export interface Phases {
  /** Create the array and fill it with ones. */
  readonly create: number;
  /** From the start of the handoff until the receiver has a view (shape known). */
  readonly handoff: number;
  /** The receiver's confirmation: read the shape, or with --verify sum every element. */
  readonly read: number;
  /** Create to join. */
  readonly total: number;
}

/** One measured run, as stored in the report. */
export type Run =
  | ({ readonly state: 'ok' } & Partial<Phases> & {
      readonly total: number;
      readonly peakParentKiB?: number;
      readonly peakChildKiB?: number;
      /** Peak of the cell and its receiver together, shared pages counted once (src/bench/memory.ts). */
      readonly peakOnceKiB?: number;
    })
  | { readonly state: 'failed'; readonly error: string }
  | { readonly state: 'timeout'; readonly afterSeconds: number };

/** A cell process's answer: the cold cycle, and the warm one when asked. */
export type CellResult =
  | {
      readonly state: 'ok';
      readonly cold: Phases;
      readonly warm: Phases | { readonly error: string } | null;
      readonly peakParentKiB: number;
      readonly peakChildKiB: number;
    }
  | { readonly state: 'failed'; readonly error: string };

/** Seconds of each physical floor, measured natively at the row's byte size. */
export interface Floors {
  readonly bytes: number;
  /** memset of already-faulted memory that this process has written before. */
  readonly memset: number;
  /**
   * Refill of a pooled segment: allocated, mapped shared pages never written through the mapping
   * from user space (a create fills through the fd), written again the faster of two ways (memset
   * through the mapping, pwritev through the fd). The create floor of warm rows. Absent from
   * reports made before it existed; warm rows then use `memset`.
   */
  readonly refill?: number;
  /** Which way (and how many threads) gave `refill`, e.g. 'pwritev through the fd, 2 threads'. */
  readonly refillWay?: string;
  /** New shared memory object, every page written once: the fastest way the kernel offers. */
  readonly freshShared: number;
  /** Which way (and how many threads) gave `freshShared`, e.g. 'pwritev through the fd, 1 thread'. */
  readonly freshSharedWay: string;
  /** Bytes through an AF_UNIX socketpair. */
  readonly pipe: number;
  /** Seconds from spawning a bare receiver (an empty ES module with an IPC channel) until its code runs (floors.ts): a handoff's floor. */
  readonly spawn: number;
  /**
   * Seconds from spawning the same bare receiver until its exit is seen: a start and a join, what
   * a process cell's receiver costs at least (a cell ends with the join). Absent in reports made
   * before 2026-12-01T22:44Z, whose process floors used `spawn`.
   */
  readonly spawnJoined?: number;
  /** Start a bare worker thread and wait for it to exit. */
  readonly worker: number;
}

/** Where a row stands overall. */
export type RowState =
  | { readonly state: 'ok' }
  | { readonly state: 'failed'; readonly error: string }
  | { readonly state: 'timeout'; readonly afterSeconds: number }
  | { readonly state: 'unsupported'; readonly why: string };

/** One method x kind x size x temperature x implementation. */
export interface Row {
  readonly impl: Impl;
  readonly method: MethodName;
  readonly title: string;
  readonly kind: Kind;
  readonly temperature: Temperature;
  readonly n: number;
  readonly dtype: string;
  readonly bytes: number;
  /** True when the receiver works on a copy; null when unknown. */
  readonly copies: boolean | null;
  readonly runs: readonly Run[];
  readonly outcome: RowState;
  /** Over ok runs' totals; null when none. */
  readonly min: number | null;
  readonly median: number | null;
  readonly max: number | null;
  /** Median phases over ok runs (ndshare rows); null when not measured. */
  readonly phases: Phases | null;
  /** bytes / median. */
  readonly throughput: number | null;
  /** Largest parent + child peak RSS over ok runs (KiB); shared pages count in both. */
  readonly peakKiB: number | null;
  /**
   * Peak of the cell and its receiver together (KiB), shared pages counted once
   * (src/bench/memory.ts), from the cell's separate sampled run (not one of `runs`, whose times
   * it would slow); absent in reports written before it was added.
   */
  readonly peakOnceKiB?: number | null;
  /** peakOnceKiB / the array's bytes: the memory goal's ratio. */
  readonly memoryRatio?: number | null;
  /** This row's floor (seconds) and median/floor, with --floor. */
  readonly floor: number | null;
  readonly ratioFloor: number | null;
  /** ndshare median / NumPy median of the same method and size, with --python. */
  readonly ratioNumpy: number | null;
}

/** Facts about the machine and run. */
export interface Env {
  readonly node: string;
  readonly v8: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryBytes: number;
  readonly kernel: string;
  readonly platform: string;
  readonly date: string;
  readonly python: string | null;
  readonly numpy: string | null;
  readonly command: string;
  /** 1, 5 and 15 minute load averages when the run started (a busy machine makes noisy numbers); absent in reports written before it was added. */
  readonly loadavg?: readonly number[];
}

/** One kernel x implementation x kind x worker count of `--parallel`. */
export interface ParallelRow {
  readonly impl: Impl;
  /** NumPy's pool is processes. */
  readonly kind: Kind;
  readonly kernel: Kernel;
  readonly workers: number;
  /** Seconds of each timed run: from handing out the tasks to the last one's answer. */
  readonly runs: readonly number[];
  readonly outcome: RowState;
  readonly median: number | null;
  /** Median with 1 worker / this median (same implementation, kind and kernel); null without a 1-worker row. */
  readonly speedup: number | null;
  /** speedup / workers. */
  readonly efficiency: number | null;
  /**
   * Median over the timed runs of the largest CPU time one task's thread spent in the kernel
   * (seconds): what the run would take if every worker had a core to itself.
   */
  readonly cpu: number | null;
  /**
   * The efficiency on CPU time: cpu with 1 worker / (workers x cpu here). Unlike `efficiency`, it
   * does not count the time a worker waited for a core, so it reads the same on a busy machine;
   * it still counts imbalance and memory stalls (a stalled thread is on its CPU).
   */
  readonly cpuEfficiency: number | null;
  /** Bytes the kernel reads and writes (sum 8, a*x+b and stencil 16 per element) / median. */
  readonly throughput: number | null;
  /** ndshare median / NumPy median of the same kernel and worker count. */
  readonly ratioNumpy: number | null;
}

/** What handing a task its view of the shared array costs, per task, for one pool. */
export interface SharingCost {
  readonly impl: Impl;
  readonly kind: Kind;
  readonly workers: number;
  readonly outcome: RowState;
  /** Median round trip of a task that gets its view of the array and touches nothing (seconds). */
  readonly empty: number | null;
  /** Median round trip of a task that carries nothing (seconds). */
  readonly noop: number | null;
  /** empty - noop: the sharing cost per task (noise can make it slightly negative). */
  readonly perTask: number | null;
  /** Median over the workers of their first view: the one-time attach (seconds). */
  readonly firstAttach: number | null;
}

/** Memory bandwidth over already-faulted shared pages (the array's size, at least 64 MB), `threads` threads streaming at once (bytes/s). */
export interface Bandwidth {
  readonly threads: number;
  readonly read: number;
  readonly write: number;
}

/** `--parallel` at one size: the grid, the bandwidths, every kernel row and the sharing costs. */
export interface ParallelSection {
  readonly n: number;
  /** The 2-D shape the kernels split by rows (rows x cols <= n; the stencil's grid). */
  readonly rows: number;
  readonly cols: number;
  readonly bytes: number;
  readonly cores: number;
  readonly bandwidth: readonly Bandwidth[];
  /** Why the bandwidth is missing (the benchmark addon did not load); null when measured. */
  readonly bandwidthError: string | null;
  readonly results: readonly ParallelRow[];
  readonly sharing: readonly SharingCost[];
  /** 1, 5 and 15 minute load averages when the section ended. */
  readonly loadavg: readonly number[];
}

/** The `--json` document. */
export interface Report {
  readonly schema: 'ndshare-bench/1';
  readonly env: Env;
  readonly options: BenchOptions;
  /** Floors per element count, with --floor. */
  readonly floors: readonly Floors[];
  readonly rows: readonly Row[];
  /** `--parallel`: one section per size. Absent in other runs. */
  readonly parallel?: readonly ParallelSection[];
  /** Wall-clock seconds of the whole run. */
  readonly seconds: number;
  /**
   * True when the run was interrupted (Ctrl-C): `rows` hold only the cells that finished, and a
   * method's row may hold fewer runs than `options.repeats`. Absent in a complete run.
   */
  readonly partial?: boolean;
  /** `--handoff` mode: the handoff to running receivers (src/bench/handoff.ts). */
  readonly handoff?: HandoffResult;
}

/** Which memory the sender hands off in `--handoff` mode (the zero-copy backings). */
export type HandoffBacking = 'shm' | 'memfd' | 'file' | 'sab';

/** How the handle travels to the running receiver. */
export type HandoffChannel = 'ipc' | 'MessagePort' | 'multiprocessing.Pipe';

/** What a handoff cell is asked to do (JSON in argv). */
export interface HandoffSpec {
  readonly backing: HandoffBacking;
  readonly kinds: readonly Kind[];
  readonly n: number;
  readonly iterations: number;
  readonly warmup: number;
  readonly dir: string;
}

/** One receiver's handoff latencies, in seconds. */
export interface HandoffSamples {
  readonly kind: Kind;
  readonly channel: HandoffChannel;
  /** Send of the handle until the receiver holds a view (one-way, CLOCK_MONOTONIC on both sides). */
  readonly latencies: readonly number[];
  /** Send of the handle until the sender has the receiver's reply (sent after it let the view go). */
  readonly roundTrips: readonly number[];
  /** One-way time of a bare message over the same channel, just before each handle: the channel's part. */
  readonly bare: readonly number[];
  /** In the receiver: from the handle reaching its message handler until it held the view (the attach's part). */
  readonly attaches: readonly number[];
}

/** A handoff cell's answer (ndshare in Node, or the Python reference). */
export type HandoffCellResult =
  | { readonly state: 'ok'; readonly create: number; readonly receivers: readonly HandoffSamples[] }
  | { readonly state: 'failed'; readonly error: string };

/** One row of the handoff table: one implementation x backing x kind x size. */
export interface HandoffRow {
  readonly impl: 'ndshare' | 'python';
  readonly backing: HandoffBacking;
  readonly kind: Kind;
  readonly channel: HandoffChannel;
  readonly n: number;
  readonly bytes: number;
  readonly outcome: RowState;
  /** Seconds to create and fill the array, once for all iterations. */
  readonly create: number | null;
  /** Counted iterations (the warm-up is not in them). */
  readonly iterations: number;
  readonly median: number | null;
  readonly p99: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly roundTripMedian: number | null;
  /** Median one-way time of a bare message over the same channel: what is left is the attach. */
  readonly bareMedian: number | null;
  /** Median time in the receiver from the handle's arrival in its handler to the view: the attach itself. */
  readonly attachMedian: number | null;
  /** ndshare median / the Python median at the same size. */
  readonly ratioPython: number | null;
  /** This size's median / the smallest size's median, same implementation, backing and kind. */
  readonly ratioSmallest: number | null;
}

/** The `--handoff` part of the report. */
export interface HandoffResult {
  /** Uncounted handoffs before the counted ones, per receiver. */
  readonly warmup: number;
  readonly rows: readonly HandoffRow[];
}
