/**
 * The child's side of `share()`: `receive()` in a child process or worker started by it. Kept
 * cheap to import (a child's start-up is part of every handoff the benchmark times): it loads the
 * methods that map memory with it, and any other method only when the parent names it
 * (methods/table.ts says why).
 */
import { fromWireError, NdshareError, toWireError } from '../errors.js';
import type { DType, DTypeLike, DTypeOf } from '../core/dtype.js';
import { checkPrefault, prefaultArray } from '../core/prefault.js';
import { checkExpectedDType, expectedDType } from '../core/handle.js';
import { checkOptions, optionNames } from '../core/validate.js';
import type { NdArray } from '../core/ndarray.js';
import type { ManagerClient } from '../methods/manager/client.js';
import type { LockedArray } from '../sync/locked-array.js';
import { METHOD_NAMES, loadMethod, type MethodName } from '../methods/table.js';
import type { ChildContext, Kind } from '../methods/types.js';
import { asWire, Inbox, kShareEnv, kWireTag, type ShareDescriptor, type WireMessage } from './wire.js';

interface ReceivedBase {
  readonly method: MethodName;
  readonly kind: Kind;
  /** Thread only: the `workerData` the parent passed to `share()`. */
  readonly workerData: unknown;
  /** Sends a value to the parent (`peer.reply()` there). Resolves once it left this side. */
  reply(value: unknown): Promise<void>;
  /** Reports a failure to the parent as a typed error (`peer.reply()` rejects there). */
  fail(error: unknown): Promise<void>;
  /** The next value the parent sent with `peer.send()`. */
  next(): Promise<unknown>;
}

/**
 * What `receive()` returns: the array (for 'locked' also the LockedArray to read through); for
 * 'manager' an async proxy to the server's array instead. `D` is the array's dtype: see `receive()`.
 */
export type Receiver<D extends DType = DType> =
  | (ReceivedBase & {
      readonly form: 'array';
      readonly array: NdArray<D>;
      /** 'locked' only: the array with its Mutex; read and write through it. */
      readonly locked: LockedArray<D> | null;
    })
  | (ReceivedBase & { readonly form: 'proxy'; readonly proxy: ManagerClient<D> });

/** The endpoint to the parent, the same for a process (IPC) and a thread (parentPort). */
interface Endpoint {
  post(message: WireMessage): Promise<void>;
  /** Keeps this process or thread alive while a read waits (and only then). */
  hold(on: boolean): void;
}

const kReceiveOptions = optionNames<ReceiveOptions>({ dtype: true, prefault: true });

/** Options for `receive()`. */
export interface ReceiveOptions {
  /**
   * The dtype you expect ('float64' or '<f8'): the shared array (or the manager's) must have it, or
   * receive() reports ERR_NDSHARE_HANDLE_MISMATCH to the parent and throws it. Types the result.
   */
  dtype?: DTypeLike;
  /**
   * For a receiver that reads every element: map every page of the received array before
   * receive() resolves (as `attach(handle, { prefault: true })`). No effect for 'manager' (the
   * array stays in the server). Default false.
   */
  prefault?: boolean;
}

let taken = false;

interface Source {
  desc: ShareDescriptor;
  user: unknown;
  endpoint: Endpoint;
  /** True in a child process (its main thread), false in a worker. */
  process: boolean;
  listen(fn: (m: unknown) => void, end: (e: Error) => void): void;
}

function descriptor(): Source {
  // A child process started by share() has the descriptor in its environment and an IPC channel;
  // a worker never has process.send (not even in a child process that has one), so this test
  // cannot take a worker for a process. The process path does not load node:worker_threads: on
  // the main thread that costs every receiver about 3 ms of its start on Node 20 (and the streams
  // it brings), for nothing.
  const raw = process.env[kShareEnv];
  if (raw !== undefined && process.send !== undefined) return processSource(raw);
  const { isMainThread, parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
  if (isMainThread) throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', `Expected a child started by share() for receive() but ${kShareEnv} or the IPC channel is missing`);
  const wd = workerData as Record<string, unknown> | null;
  const desc = wd?.[kShareEnv] as ShareDescriptor | undefined;
  if (!desc || !parentPort) throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', 'Expected a worker started by share() for receive() but this worker has no share descriptor');
  const port = parentPort;
  return {
    desc,
    user: wd?.['user'],
    process: false,
    endpoint: {
      post: async (m) => port.postMessage(m),
      hold: (on) => (on ? port.ref() : port.unref()),
    },
    listen: (fn, end) => {
      port.on('message', fn);
      port.on('close', () => end(new NdshareError('ERR_NDSHARE_CHILD_FAILED', 'Expected the parent to stay connected but its port closed')));
    },
  };
}

function processSource(raw: string): Source {
  let desc: ShareDescriptor;
  try {
    desc = JSON.parse(raw) as ShareDescriptor;
  } catch {
    throw new NdshareError('ERR_NDSHARE_INVALID_HANDLE', `Expected JSON in ${kShareEnv} but it does not parse`);
  }
  delete process.env[kShareEnv];
  return {
    desc,
    user: undefined,
    process: true,
    endpoint: {
      post: (m) =>
        new Promise<void>((resolve, reject) => {
          if (!process.send || !process.connected) return reject(new NdshareError('ERR_NDSHARE_CHILD_FAILED', 'Expected an IPC channel to the parent but it is closed'));
          process.send(m, undefined, {}, (err) => (err ? reject(err) : resolve()));
        }),
      hold: (on) => (on ? process.channel?.ref() : process.channel?.unref()),
    },
    listen: (fn, end) => {
      // No 'ready' handshake is needed: Node keeps IPC messages that arrive before the first
      // 'message' listener (kPendingMessages) and delivers them once it is added.
      process.on('message', fn);
      process.on('disconnect', () => end(new NdshareError('ERR_NDSHARE_CHILD_FAILED', 'Expected the parent to stay connected but it disconnected')));
    },
  };
}

/**
 * In a child process or worker started by `share()`: receives the array by the parent's method.
 * Call once, early. Failures are reported to the parent as typed errors, then thrown here.
 * `receive({ dtype: 'float64' })` checks the dtype and types `array` as an `NdArray<'float64'>`.
 */
export function receive<S extends DTypeLike>(options: ReceiveOptions & { dtype: S }): Promise<Receiver<DTypeOf<S>>>;
/**
 * `receive<'float64'>()` types `array` by what the parent is known to send, unchecked (as a type
 * argument is); `receive()` alone gives an array of any dtype, to narrow with `array.is()`.
 */
export function receive<D extends DType = DType>(options?: ReceiveOptions): Promise<Receiver<D>>;
export async function receive(options?: ReceiveOptions): Promise<Receiver> {
  if (taken) throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', 'Expected one receive() per child but it was called again');
  // A bad option is the caller's mistake in this child, found before anything is received.
  const o = checkOptions(options, 'receive() options', kReceiveOptions);
  const want = expectedDType(o['dtype']);
  const prefault = checkPrefault(o['prefault']);
  taken = true;
  const { desc, user, endpoint, listen, process: inProcess } = descriptor();
  const data = new Inbox<unknown>();
  const users = new Inbox<unknown>();
  listen(
    (m) => {
      const w = asWire(m);
      if (w?.[kWireTag] === 'data') data.push(w.body);
      else if (w?.[kWireTag] === 'user') users.push(w.body);
      else if (w?.[kWireTag] === 'failed') {
        const e = fromWireError(w.error, 'parent');
        data.end(e);
        users.end(e);
      }
    },
    (e) => {
      data.end(e);
      users.end(e);
    },
  );
  const fail = (error: unknown): Promise<void> => endpoint.post({ [kWireTag]: 'failed', error: toWireError(error) }).catch(() => {});
  if (inProcess) {
    // An uncaught error in the child still reaches the parent typed (best effort: the process is dying).
    process.on('uncaughtExceptionMonitor', (err) => void fail(err));
  }
  // The channel keeps this child alive only while something waits on it, so a child that has
  // received its array exits when its own work is done, without a disconnect dance.
  let holders = 0;
  endpoint.hold(false);
  const waiting = async <T>(p: Promise<T>): Promise<T> => {
    if (holders++ === 0) endpoint.hold(true);
    try {
      return await p;
    } finally {
      if (--holders === 0) endpoint.hold(false);
    }
  };
  const ctx: ChildContext = { kind: desc.kind, params: desc.params, fds: desc.fds ?? [], nextData: () => waiting(data.next()) };
  let got;
  try {
    if (!METHOD_NAMES.includes(desc.method)) throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', `Expected a method name for receive() but the parent sent ${JSON.stringify(desc.method)}`);
    got = await waiting((await loadMethod(desc.method)).receive(ctx));
    if (want) {
      const what = `the array shared by '${desc.method}'`;
      try {
        checkExpectedDType(got.form === 'array' ? got.array.dtype : got.proxy.dtype, want, 'options.dtype', what);
      } catch (err) {
        // Whatever was received is not handed out: let it go now.
        if (got.form === 'array') (got.locked ?? got.array).close();
        else got.proxy.close();
        throw err;
      }
    }
    if (prefault && got.form === 'array') prefaultArray(got.array);
  } catch (err) {
    await fail(err);
    throw err;
  }
  const base: ReceivedBase = {
    method: desc.method,
    kind: desc.kind,
    workerData: user,
    reply: (value) => endpoint.post({ [kWireTag]: 'reply', body: value }),
    fail,
    next: () => waiting(users.next()),
  };
  switch (got.form) {
    case 'array':
      return { ...base, form: 'array', array: got.array, locked: got.locked };
    case 'proxy':
      return { ...base, form: 'proxy', proxy: got.proxy };
  }
}
