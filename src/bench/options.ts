/** `ndshare bench` argument parsing (node:util parseArgs), with the standard error messages. */
import { cpus, tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { resolveDType } from '../core/dtype.js';
import { invalid, NdshareError } from '../errors.js';
import type { MethodName } from '../methods/table.js';
import type { Kind } from '../methods/types.js';
import type { BenchOptions, ParallelOptions } from './types.js';

/** Defaults of the study: 1e8 float64 ones, 3 repeats, child processes. */
export const kDefaultSize = 100_000_000;
export const kDefaultRepeats = 3;
/** Large enough for the slowest copying method at 1e8 on a busy 2-core machine. */
export const kDefaultTimeoutMs = 120_000;
/** `--handoff` sizes: 8 KB and 8 GB of float64, the two sizes. */
export const kHandoffSizes: readonly number[] = [1024, 1e9];
/** `--handoff`: handoffs per receiver, after the warm-up. */
export const kHandoffIterations = 200;
/** `--sweep`: 1e3 to 1e8, one point per decade. */
export const kSweepSizes: readonly number[] = [1e3, 1e4, 1e5, 1e6, 1e7, 1e8];
/** `--parallel`: round trips of an empty and of a no-op task each, for the sharing cost. */
export const kSharingTasks = 200;
/** `--workers`: more than this many workers per run is a typo, not a plan. */
export const kMaxWorkers = 256;

/** Help text of `ndshare bench`. */
export const benchUsage = `Usage: ndshare bench [options]

Runs the study: create n ones, share them with a child by each method, let the child confirm
access, join. Every method x repeat runs in a fresh process; one more, untimed, measures the
peak memory (sampling it would slow the timed runs).

Options:
  --methods a,b,...   methods to run (default: every method in the registry)
  --threads           worker threads instead of child processes
  --kinds process,thread  both kinds (overrides --threads)
  --size N[,N...]     elements (default 1e8; accepts 1e8, 100000000, or a list)
  --sweep             sizes 1e3, 1e4, ... 1e8
  --dtype D           element type (default float64)
  --repeats R         runs per method (default 3)
  --verify            the child sums every element (default: only the shape)
  --prefault          the child maps every page before its view (receive({ prefault: true }))
  --no-warm           skip the warm-pool cycle
  --no-memory         skip the untimed run per method that measures peak memory (Peak mem then
                      shows the processes' peak RSS added up)
  --python            run the NumPy original of each method in the same run
  --floor             measure the physical floors and show each method's ratio to its floor
  --parallel          instead of the study: sum, a*x+b and a 5-point stencil over one shared
                      array with 1..N workers, threads and processes, beside NumPy's
                      multiprocessing.Pool over SharedMemory and the memory bandwidth
                      (--kinds or --threads narrow the kinds; NumPy always runs)
  --workers W[,W...]  worker counts for --parallel (default 1..cores)
  --timeout S         per-cell limit in seconds (default 120)
  --dir PATH          directory for file-backed methods (default: the OS temp dir)
  --json FILE         write the machine-readable report
  --markdown          print Markdown tables
  --quiet             no progress on stderr
  --progress          progress lines on stderr even when it is not a terminal (logs, CI);
                      on a terminal a one-line bar is shown without asking
  --schema            print the report's JSON Schema and exit

Handoff to a running receiver (instead of the study):
  --handoff           hand a handle of one existing array to an already running child process
                      (IPC) and worker thread (MessagePort), again and again: median and p99 of
                      the time from the send until the receiver holds a view, per zero-copy
                      backing (shm, memfd, file, sab); with --python against a SharedMemory name
                      sent over a multiprocessing Pipe. Sizes default to 1024,1e9 (8 KB, 8 GB):
                      the 8 GB array needs 8 GB free in /dev/shm (and in --dir for 'file')
  --iterations N      handoffs per receiver and size (default 200, after 10 uncounted)

Ctrl-C stops the run: the running cell is ended and cleaned up, the tables of the cells that
finished are printed and --json is written for them, marked "partial": true (exit 130; SIGTERM
does the same and exits 143).

Exit status: 0 every supported cell succeeded; 1 a cell failed or timed out; 2 usage error
(including a selection of methods and kinds that runs no cell); 130 interrupted; 143 SIGTERM.
`;

/** Parsed command line: the benchmark options plus output choices. */
export interface BenchArgs {
  readonly options: BenchOptions;
  readonly json: string | null;
  readonly markdown: boolean;
  readonly quiet: boolean;
  /** Progress lines on stderr even off a terminal. */
  readonly progress: boolean;
  /** Print the report's JSON Schema instead of running. */
  readonly schema: boolean;
}

/** `--workers` default: 1..cores. */
export function defaultWorkers(): number[] {
  return Array.from({ length: Math.max(1, cpus().length) }, (_, i) => i + 1);
}

/** Parses "1e8", "100000000", "1_000" into a positive safe integer. */
export function parseCount(text: string, what: string): number {
  const v = Number(text.replace(/_/g, ''));
  if (!/^[0-9._eE+]+$/.test(text) || !Number.isSafeInteger(v) || v < 1) invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'a positive integer such as 1e8 or 100000', what, text);
  return v;
}

/** Parses argv of `ndshare bench`; `known` is the registry's method names. */
export function parseBenchArgs(argv: readonly string[], known: readonly MethodName[] | null): BenchArgs {
  try {
    return parseChecked(argv, known);
  } catch (err) {
    // node:util's own errors (unknown option, missing value) get the project's error class.
    if (err instanceof NdshareError) throw err;
    throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', `Expected options listed by 'ndshare bench --help' but ${(err as Error).message}`, { cause: err });
  }
}

function parseChecked(argv: readonly string[], known: readonly MethodName[] | null): BenchArgs {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      methods: { type: 'string' },
      threads: { type: 'boolean', default: false },
      kinds: { type: 'string' },
      size: { type: 'string' },
      sweep: { type: 'boolean', default: false },
      dtype: { type: 'string', default: 'float64' },
      repeats: { type: 'string' },
      verify: { type: 'boolean', default: false },
      prefault: { type: 'boolean', default: false },
      'no-warm': { type: 'boolean', default: false },
      'no-memory': { type: 'boolean', default: false },
      python: { type: 'boolean', default: false },
      floor: { type: 'boolean', default: false },
      parallel: { type: 'boolean', default: false },
      workers: { type: 'string' },
      timeout: { type: 'string' },
      dir: { type: 'string' },
      json: { type: 'string' },
      markdown: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      progress: { type: 'boolean', default: false },
      schema: { type: 'boolean', default: false },
      handoff: { type: 'boolean', default: false },
      iterations: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const dtype = resolveDType(values.dtype, '--dtype').name;
  let methods: MethodName[] = known ? [...known] : [];
  if (values.methods !== undefined) {
    methods = values.methods.split(',').map((m) => m.trim()).filter((m) => m.length > 0) as MethodName[];
    for (const m of methods) {
      if (known && !known.includes(m)) invalid('ERR_NDSHARE_INVALID_ARGUMENT', `methods among ${known.join(', ')}`, '--methods', m);
    }
    if (methods.length === 0) invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'at least one method', '--methods', values.methods);
  }
  let kinds: Kind[] = [values.threads ? 'thread' : 'process'];
  if (values.kinds !== undefined) {
    kinds = values.kinds.split(',').map((k) => k.trim()) as Kind[];
    for (const k of kinds) if (k !== 'process' && k !== 'thread') invalid('ERR_NDSHARE_INVALID_ARGUMENT', "'process' and/or 'thread'", '--kinds', k);
  }
  if (values.sweep && values.size !== undefined) invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'either --size or --sweep, not both', '--size', values.size);
  if (values.iterations !== undefined && !values.handoff) invalid('ERR_NDSHARE_INVALID_ARGUMENT', '--iterations only with --handoff', '--iterations', values.iterations);
  if (values.handoff && values.parallel) invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'either --handoff or --parallel, not both', '--handoff', true);
  if (values.handoff && values.sweep) invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'either --handoff or --sweep, not both', '--sweep', true);
  const sizes = values.sweep
    ? kSweepSizes
    : values.size === undefined
      ? values.handoff
        ? kHandoffSizes
        : [kDefaultSize]
      : values.size.split(',').map((t) => parseCount(t.trim(), '--size'));
  const repeats = values.repeats === undefined ? kDefaultRepeats : parseCount(values.repeats, '--repeats');
  let parallel: ParallelOptions | undefined;
  if (values.workers !== undefined && !values.parallel) invalid('ERR_NDSHARE_INVALID_ARGUMENT', '--workers only with --parallel', '--workers', values.workers);
  if (values.parallel) {
    if (dtype !== 'float64') invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'float64 with --parallel (its kernels are float64 loops)', '--dtype', values.dtype);
    const workers = values.workers === undefined ? defaultWorkers() : [...new Set(values.workers.split(',').map((t) => parseCount(t.trim(), '--workers')))].sort((a, b) => a - b);
    for (const w of workers) if (w > kMaxWorkers) invalid('ERR_NDSHARE_INVALID_ARGUMENT', `worker counts of at most ${kMaxWorkers}`, '--workers', w);
    const given = values.kinds !== undefined || values.threads;
    parallel = { workers, kinds: given ? kinds : ['thread', 'process'], sharingTasks: kSharingTasks };
  }
  const timeoutMs = values.timeout === undefined ? kDefaultTimeoutMs : parseCount(values.timeout, '--timeout') * 1000;
  return {
    options: {
      methods,
      kinds,
      sizes,
      dtype,
      repeats,
      verify: values.verify,
      prefault: values.prefault,
      python: values.python,
      floor: values.floor,
      warm: !values['no-warm'],
      memory: !values['no-memory'],
      timeoutMs,
      dir: values.dir ?? tmpdir(),
      ...(parallel ? { parallel } : {}),
      ...(values.handoff ? { handoff: true, iterations: values.iterations === undefined ? kHandoffIterations : parseCount(values.iterations, '--iterations') } : {}),
    },
    json: values.json ?? null,
    markdown: values.markdown,
    quiet: values.quiet,
    progress: values.progress,
    schema: values.schema,
  };
}
