/**
 * `share()`: hands an array to a new child process or worker thread by any registered method, and
 * keeps a control channel to it (`reply()`, `send()`, `exited`). The child calls `receive()`.
 * A child that fails reports a typed error; a child that dies is reported, never waited on forever.
 */
import type { ChildProcess, StdioOptions } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { Worker, type TransferListItem } from 'node:worker_threads';
import { fromWireError, invalid, NdshareError, safeCode, toWireError } from '../errors.js';
import { resolveModulePath } from '../core/module-path.js';
import { forkWithArrays, spawnWithArrays } from '../core/spawn-with-arrays.js';
import { NdArray } from '../core/ndarray.js';
import { checkMethodName, loadMethod, methodInfo, requiredBackings, type MethodName } from '../methods/table.js';
import type { ManagerClient } from '../methods/manager/client.js';
import type { Mutex } from '../sync/mutex.js';
import type { BuildSpec, CheckedBuild, Kind, Method, MethodParams, ProcessPlan, ThreadPlan } from '../methods/types.js';
import { checkFill, checkOptions, checkShape, optionNames, sizeOf } from '../core/validate.js';
import { resolveDType } from '../core/dtype.js';
import { asWire, Inbox, kShareEnv, kWireTag, type ShareDescriptor, type WireMessage } from './wire.js';

/** Options for `share()`. */
export interface ShareOptions extends MethodParams {
  /** A registry name ('pipe', 'shm', ...; see `METHODS`). */
  method: MethodName;
  /** 'process' (default) or 'thread'. */
  kind?: Kind;
  /**
   * The child's module; it calls `receive()`. A `file:` URL (`new URL('./child.js',
   * import.meta.url)`, the file next to yours wherever the app is started) or an absolute path. A
   * relative path is refused (Node would resolve it against the current directory; say so with
   * `path.resolve()` if that is what you mean). Checked to be an existing file before anything
   * starts.
   */
  entry?: string | URL;
  /**
   * Process only, instead of `entry`: an executable that is not Node.js (python3, ...), run with
   * `args`. It finds the share described as JSON in NDSHARE_SHARE (and NDSHARE_INHERIT for
   * 'inherit'), and replies by writing `{"ndshareWire":"reply","body":...}` lines to the fd in
   * NODE_CHANNEL_FD. Methods that need the v8 serializer ('queue') cannot be used this way.
   */
  command?: string;
  /** Process: extra argv for the child. */
  args?: readonly string[];
  /**
   * Process with `entry`: Node options for the child. Default: none. Unlike `child_process.fork`,
   * this process's `execArgv` is not inherited: options such as `-e`, `--input-type` or
   * `--inspect` would make the child run other code, fail, or fight over a port. Pass
   * `process.execArgv` (or a loader such as `--import tsx`) on purpose when the child needs it.
   */
  execArgv?: readonly string[];
  /** Process: extra environment (added to this process's environment). */
  env?: NodeJS.ProcessEnv;
  /** Thread: a value the worker gets as `received.workerData`. */
  workerData?: unknown;
}

/** How a child ended. */
export type PeerExit =
  | { readonly state: 'exited'; readonly code: number }
  | { readonly state: 'killed'; readonly signal: NodeJS.Signals };

const kShareOptions = optionNames<ShareOptions>({
  method: true,
  kind: true,
  entry: true,
  command: true,
  args: true,
  execArgv: true,
  env: true,
  workerData: true,
  chunkBytes: true,
  maxMessageChars: true,
  deadlineMs: true,
});

/** Bytes of the child's stderr kept for error messages. */
const kStderrTail = 4096;
/** Only share() builds a Peer. */
const kPeerToken = Symbol('ndshare.peer');

/**
 * The parent's handle on one child (process or worker) that received an array. Always end it with
 * `close()` (or await `exited`) so its resources go away.
 */
export class Peer {
  readonly #method: MethodName;
  readonly #kind: Kind;
  readonly #replies = new Inbox<unknown>();
  readonly #post: (m: WireMessage) => void;
  readonly #stop: () => void;
  readonly #exited: Promise<PeerExit>;
  readonly #proxy: ManagerClient | undefined;
  readonly #mutex: Mutex | undefined;
  #stderr = '';
  readonly #dispose: () => Promise<void>;
  #closing: Promise<PeerExit> | undefined;
  /** The child has ended (exit or close seen). */
  #ended = false;
  /** The parent failed to hand the array over, and stopped the child for it. */
  #handoff: NdshareError | undefined;

  /** @internal Use `share()`. */
  constructor(token: symbol, init: {
    method: MethodName;
    kind: Kind;
    child?: ChildProcess;
    worker?: Worker;
    plan: ProcessPlan | ThreadPlan;
    /** 'manager': the plan's proxy, connected (share() waited for it). */
    proxy: ManagerClient | undefined;
    /** Pushes the data (the plan's start with its io). */
    start: () => Promise<void>;
  }) {
    if (token !== kPeerToken) throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', 'Expected share() to build a Peer but it was constructed directly');
    this.#method = init.method;
    this.#kind = init.kind;
    this.#proxy = init.proxy;
    this.#mutex = init.plan.mutex;
    const onMessage = (m: unknown): void => {
      const w = asWire(m);
      if (w?.[kWireTag] === 'reply') this.#replies.push(w.body);
      else if (w?.[kWireTag] === 'failed') this.#replies.end(fromWireError(w.error, `${this.#where()} failed`));
    };
    const { child, worker, plan } = init;
    if (child) {
      child.on('message', onMessage);
      child.stderr?.setEncoding('utf8').on('data', (s: string) => {
        this.#stderr = (this.#stderr + s).slice(-kStderrTail);
      });
      this.#post = (m) => {
        if (child.connected) child.send(m);
      };
      this.#stop = () => {
        if (!this.#ended && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      };
      this.#exited = new Promise<PeerExit>((resolve) => {
        child.on('error', (err) => this.#replies.end(new NdshareError('ERR_NDSHARE_CHILD_FAILED', `Expected to start ${this.#where()} but it failed: ${err.message}`, { cause: err })));
        // 'close' (not 'exit'): stderr is drained, so the tail in the message is complete.
        child.on('close', (code, signal) => {
          const exit: PeerExit = signal ? { state: 'killed', signal } : { state: 'exited', code: code ?? 0 };
          this.#ended = true;
          this.#replies.end(this.#died(exit));
          resolve(exit);
        });
      });
    } else if (worker) {
      worker.on('message', onMessage);
      worker.on('error', (err: unknown) => {
        const e = err as { code?: unknown; message?: unknown };
        const message = typeof e?.message === 'string' ? e.message : String(err);
        this.#replies.end(new NdshareError(safeCode(e?.code, 'ERR_NDSHARE_CHILD_FAILED'), `${this.#where()} threw: ${message}`, { cause: err }));
      });
      this.#post = (m) => worker.postMessage(m);
      this.#stop = () => {
        if (!this.#ended) void worker.terminate();
      };
      this.#exited = new Promise<PeerExit>((resolve) => {
        worker.on('exit', (code) => {
          const exit: PeerExit = { state: 'exited', code };
          this.#ended = true;
          this.#replies.end(this.#died(exit));
          resolve(exit);
        });
      });
    } else {
      throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', 'Expected a child process or a worker for Peer');
    }
    this.#dispose = () => plan.dispose().catch(() => {});
    init.start().catch((err: unknown) => this.#handoffFailed(err));
  }

  /** The method used. */
  get method(): MethodName {
    return this.#method;
  }

  /** 'process' or 'thread'. */
  get kind(): Kind {
    return this.#kind;
  }

  /** For 'manager': the parent's own proxy to the server's array; undefined otherwise. */
  get proxy(): ManagerClient | undefined {
    return this.#proxy;
  }

  /** For 'locked': the Mutex that guards the array (take it before writing); undefined otherwise. */
  get mutex(): Mutex | undefined {
    return this.#mutex;
  }

  /** Settles when the child has ended. The method's resources stay until `close()`. */
  get exited(): Promise<PeerExit> {
    return this.#exited;
  }

  /**
   * The next value the child sent with `reply()`. Rejects with the child's typed error if it
   * failed, or ERR_NDSHARE_CHILD_FAILED if it ended first.
   */
  reply(): Promise<unknown> {
    return this.#replies.next();
  }

  /** Sends a value to the child (`received.next()` there). */
  send(value: unknown): void {
    this.#post({ [kWireTag]: 'user', body: value });
  }

  /**
   * The data could not be pushed. If the child is still running it waits for data that will not
   * come: stop it, and report this error when it ends. If it had died already (a broken pipe),
   * its own exit, with its stderr, is the better report.
   */
  #handoffFailed(error: unknown): void {
    if (this.#handoff || this.#ended) return;
    this.#handoff =
      error instanceof NdshareError ? error : new NdshareError('ERR_NDSHARE_CHILD_FAILED', `Failed to hand the array to ${this.#where()}: ${toWireError(error).message}`, { cause: error });
    this.#stop();
  }

  /**
   * Ends the child: waits up to `graceMs` (default 5000) for it to exit on its own, then kills it;
   * then releases what the method holds for it (the manager server and proxy, the 'locked'
   * Mutex). Resolves with how the child ended. Idempotent.
   */
  close(options: { graceMs?: number } = {}): Promise<PeerExit> {
    try {
      checkOptions(options, 'Peer.close() options', ['graceMs']);
    } catch (err) {
      return Promise.reject(err);
    }
    this.#closing ??= this.#close(options.graceMs ?? 5000);
    return this.#closing;
  }

  async #close(grace: number): Promise<PeerExit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), grace);
    });
    const first = await Promise.race([this.#exited, timeout]);
    clearTimeout(timer);
    if (first === 'timeout') this.#stop();
    const exit = await this.#exited;
    await this.#dispose();
    return exit;
  }

  #where(): string {
    return `the ${this.#kind === 'process' ? 'child process' : 'worker'} (method ${this.#method})`;
  }

  #died(exit: PeerExit): NdshareError {
    if (this.#handoff) return this.#handoff;
    const how = exit.state === 'killed' ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const tail = this.#stderr.trim();
    return new NdshareError('ERR_NDSHARE_CHILD_FAILED', `Expected a reply from ${this.#where()} but it ${how}${tail ? `; its stderr ended with:\n${tail}` : ''}`);
  }
}

/**
 * Shares `array` with a new child process or worker running `options.entry` (which calls
 * `receive()`). For 'manager', `{ build: { dtype, shape, fill? } }` instead of an array has the
 * server create the array itself (nothing is copied; other methods refuse it with
 * ERR_NDSHARE_UNSUPPORTED). Throws ERR_NDSHARE_UNSUPPORTED, with the registry's reason, for a combination
 * the method cannot do, and ERR_NDSHARE_INVALID_ARGUMENT when the array's backing does not suit a
 * zero-copy method (create it with `createFor()`) or when `entry` is a relative path or names no
 * module file; all of these before anything is started or allocated.
 */
export async function share(array: NdArray | { readonly build: BuildSpec }, options: ShareOptions): Promise<Peer> {
  const build = array instanceof NdArray ? undefined : checkBuild(array);
  if (typeof options !== 'object' || options === null) invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'an options object', 'share() options', options);
  checkOptions(options, 'share() options', kShareOptions);
  const kind = options.kind ?? 'process';
  if (kind !== 'process' && kind !== 'thread') invalid('ERR_NDSHARE_INVALID_ARGUMENT', "'process' or 'thread'", 'options.kind', kind);
  checkCommonOptions(options);
  const name = checkMethodName(options.method);
  const support = methodInfo(name).kinds[kind];
  if (!support.supported) {
    throw new NdshareError('ERR_NDSHARE_UNSUPPORTED', `Expected a method that supports a ${kind === 'process' ? 'child process' : 'worker thread'} but '${name}' does not: ${support.why}`);
  }
  const backings = requiredBackings(name, kind);
  if (build === undefined && backings && !backings.includes((array as NdArray).backing)) {
    throw new NdshareError(
      'ERR_NDSHARE_INVALID_ARGUMENT',
      `Expected an array with backing ${backings.map((b) => `'${b}'`).join(' or ')} for method '${name}' (${kind}) but received backing '${(array as NdArray).backing}'; create it with createFor('${name}', '${kind}', ...)`,
    );
  }
  const method = await loadMethod(name);
  if (build !== undefined && !(kind === 'process' ? method.planProcessBuilt : method.planThreadBuilt)) {
    throw new NdshareError('ERR_NDSHARE_UNSUPPORTED', `Expected a method that builds the array on the receiving side for share({ build }) but '${name}' shares or copies the caller's array; create it (createFor('${name}', '${kind}', ...)) and share that`);
  }
  const source: Source = build !== undefined ? { build } : { array: array as NdArray };
  if (options.command !== undefined) {
    if (kind !== 'process') invalid('ERR_NDSHARE_INVALID_ARGUMENT', "no command for kind 'thread' (a worker runs a module: use entry)", 'options.command', options.command);
    if (options.entry !== undefined) invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'either entry or command, not both', 'options.entry', options.entry);
    if (typeof options.command !== 'string' || options.command.length === 0) invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'an executable name or path', 'options.command', options.command);
    return shareWithProcess(source, name, method, { command: options.command }, options);
  }
  // Before the plan: a missing module must fail here, with nothing spawned or allocated for it.
  const entry = resolveModulePath(options.entry, 'options.entry');
  return kind === 'process' ? shareWithProcess(source, name, method, { entry }, options) : shareWithThread(source, name, method, entry, options);
}

/** The caller's array, or what the method's receiving side builds. */
type Source = { readonly array: NdArray } | { readonly build: CheckedBuild };

const kBuildSpec = optionNames<BuildSpec>({ dtype: true, shape: true, fill: true });

/** Checks `{ build: { dtype, shape, fill? } }` before anything starts. */
function checkBuild(source: unknown): CheckedBuild {
  const b = (source as { build?: unknown } | null)?.build;
  if (typeof source !== 'object' || source === null || typeof b !== 'object' || b === null) {
    return invalid('ERR_NDSHARE_INVALID_ARGUMENT', "an NdArray, or { build: { dtype, shape, fill? } } for 'manager'", 'share() array', source);
  }
  checkOptions(b, 'share() build', kBuildSpec);
  const spec = b as BuildSpec;
  const info = resolveDType(spec.dtype, 'build.dtype');
  const shape = checkShape(spec.shape, 'build.shape');
  sizeOf(shape, info, 'build.shape');
  const fill = checkFill(spec.fill, info);
  return { dtype: info.name, shape, fill };
}

/** A child that could not even be created (bad entry path, bad options): typed, with the cause. */
function startFailed(err: unknown, name: MethodName): NdshareError {
  if (err instanceof NdshareError) return err;
  return new NdshareError('ERR_NDSHARE_CHILD_FAILED', `Expected to start a child for method '${name}' but it failed: ${toWireError(err).message}`, { cause: err });
}

/** Checks the options every method may read, before anything starts. */
function checkCommonOptions(o: ShareOptions): void {
  if (o.args !== undefined && (!Array.isArray(o.args) || !o.args.every((a) => typeof a === 'string'))) invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'an array of strings', 'options.args', o.args);
  if (o.execArgv !== undefined && (!Array.isArray(o.execArgv) || !o.execArgv.every((a) => typeof a === 'string'))) invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'an array of strings', 'options.execArgv', o.execArgv);
  if (o.env !== undefined && (typeof o.env !== 'object' || o.env === null || Array.isArray(o.env))) invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'an object of environment variables', 'options.env', o.env);
  for (const key of ['chunkBytes', 'maxMessageChars', 'deadlineMs'] as const) {
    const v = o[key];
    const max = key === 'deadlineMs' ? 2 ** 31 - 1 : Number.MAX_SAFE_INTEGER;
    if (v !== undefined && (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > max)) invalid('ERR_NDSHARE_INVALID_ARGUMENT', `a positive integer${key === 'deadlineMs' ? ' of ms up to 2^31 - 1' : ''}`, `options.${key}`, v);
  }
}

async function shareWithProcess(source: Source, name: MethodName, method: Method, target: { entry: string } | { command: string }, options: ShareOptions): Promise<Peer> {
  const planOf = 'build' in source ? method.planProcessBuilt : method.planProcess;
  if (!planOf) throw new NdshareError('ERR_NDSHARE_UNSUPPORTED', `Expected a process plan for method '${name}' but it has none`);
  const plan = 'build' in source ? await (planOf as NonNullable<Method['planProcessBuilt']>)(source.build, options) : await (planOf as NonNullable<Method['planProcess']>)(source.array, options);
  // Only Node speaks the v8 serializer: decided by the plan, whichever method made it.
  if ('command' in target && plan.serialization === 'advanced') {
    await plan.dispose().catch(() => {});
    throw new NdshareError('ERR_NDSHARE_UNSUPPORTED', `Expected a method whose messages are JSON for a non-Node command but '${name}' uses the v8 serializer; use pipe or queue-json`);
  }
  // fd 0-2 as usual (stderr captured for error messages), 3 IPC, then the method's own fds.
  const base = 4;
  const desc: ShareDescriptor = { method: name, kind: 'process', params: plan.params, fds: plan.extraStdio.map((_, i) => base + i) };
  let child: ChildProcess;
  try {
    const launch = {
      stdio: ['inherit', 'inherit', 'pipe', 'ipc', ...plan.extraStdio] as StdioOptions,
      serialization: plan.serialization,
      env: { ...process.env, ...options.env, [kShareEnv]: JSON.stringify(desc) },
    };
    const execArgv = [...(options.execArgv ?? [])];
    child = 'entry' in target ? forkWithArrays(target.entry, options.args ?? [], plan.inherit, { ...launch, execArgv }) : spawnWithArrays(target.command, options.args ?? [], plan.inherit, launch);
  } catch (err) {
    await plan.dispose().catch(() => {});
    throw startFailed(err, name);
  }
  const io = {
    stream: (i: number) => {
      const s = child.stdio[base + i];
      if (!s || !('write' in s)) throw new NdshareError('ERR_NDSHARE_PROTOCOL', `Expected a pipe at stdio ${base + i} of the child but there is none`);
      return s as Duplex;
    },
    send: (body: unknown) =>
      new Promise<void>((resolve, reject) => {
        if (!child.connected) return reject(new NdshareError('ERR_NDSHARE_CHILD_FAILED', 'Expected the child to be connected but its IPC channel is closed'));
        child.send({ [kWireTag]: 'data', body }, undefined, {}, (err) => (err ? reject(err) : resolve()));
      }),
  };
  const proxy = await planProxy(plan, async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    child.kill('SIGKILL');
    await closed;
  });
  return new Peer(kPeerToken, { method: name, kind: 'process', child, plan, proxy, start: () => plan.start(io) });
}

async function shareWithThread(source: Source, name: MethodName, method: Method, entry: string, options: ShareOptions): Promise<Peer> {
  const planOf = 'build' in source ? method.planThreadBuilt : method.planThread;
  if (!planOf) throw new NdshareError('ERR_NDSHARE_UNSUPPORTED', `Expected a thread plan for method '${name}' but it has none`);
  const plan = 'build' in source ? await (planOf as NonNullable<Method['planThreadBuilt']>)(source.build, options) : await (planOf as NonNullable<Method['planThread']>)(source.array, options);
  const desc: ShareDescriptor = { method: name, kind: 'thread', params: plan.params, fds: [] };
  let worker: Worker;
  try {
    worker = new Worker(entry, { workerData: { [kShareEnv]: desc, user: options.workerData }, transferList: [...plan.transferList] });
  } catch (err) {
    await plan.dispose().catch(() => {});
    throw startFailed(err, name);
  }
  const io = { post: (body: unknown, transfer?: readonly TransferListItem[]) => worker.postMessage({ [kWireTag]: 'data', body }, [...(transfer ?? [])]) };
  const proxy = await planProxy(plan, async () => {
    await worker.terminate();
  });
  return new Peer(kPeerToken, { method: name, kind: 'thread', worker, plan, proxy, start: () => plan.start(io) });
}

/**
 * 'manager': waits for the parent's proxy, which the server provides once it listens, after the
 * child was started (both start at once). If the server fails to start, stops the child that is
 * waiting for it, releases the plan and throws the server's error.
 */
async function planProxy(plan: ProcessPlan | ThreadPlan, stopChild: () => Promise<void>): Promise<ManagerClient | undefined> {
  if (plan.proxy === undefined) return undefined;
  try {
    return await plan.proxy;
  } catch (err) {
    await stopChild().catch(() => {});
    await plan.dispose().catch(() => {});
    throw err;
  }
}
