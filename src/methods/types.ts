/**
 * The contract every sharing method implements (one file per method in src/methods/), and the
 * typed messages that cross the parent/child boundary. The benchmark and the public `share()` /
 * `receive()` API are built on this interface only.
 */
import type { Duplex } from 'node:stream';
import type { TransferListItem } from 'node:worker_threads';
import type { NdArray } from '../core/ndarray.js';
import type { DType, DTypeLike } from '../core/dtype.js';
import type { ManagerClient } from './manager/client.js';
import type { Mutex } from '../sync/mutex.js';
import type { LockedArray } from '../sync/locked-array.js';

/** Where the receiving side runs. */
export type Kind = 'process' | 'thread';

/** Whether a method works for a kind, and how (or why not). */
export type Support = { readonly supported: true; readonly how: string } | { readonly supported: false; readonly why: string };

/** Options a caller may pass through `share()` to the method (each method reads what it needs). */
export interface MethodParams {
  /**
   * Bytes of array data per message for 'queue' and 'queue-json' (and per pipe write). Tests set
   * it small to cross the chunking boundary at reduced scale.
   */
  readonly chunkBytes?: number;
  /**
   * 'queue-json' only: the longest JSON text one message may be (default: V8's string limit,
   * 2^29 - 24). A chunk that could exceed it fails with ERR_NDSHARE_TOO_LARGE before sending.
   */
  readonly maxMessageChars?: number;
  /** Per-call deadline of the manager proxy, ms. */
  readonly deadlineMs?: number;
}

/**
 * What a method adds to the launch of a child process: extra stdio entries (fd 4, 5, ... in the
 * child), the IPC serialization, arrays inherited through stdio, and JSON parameters for the child.
 * `start` runs once the child exists: it pushes the data (pipe bytes, queue messages).
 */
export interface ProcessPlan {
  readonly params: unknown;
  readonly serialization: 'json' | 'advanced';
  /** Extra stdio entries after the IPC channel; the child finds them at `fds[i]`. */
  readonly extraStdio: ReadonlyArray<'pipe' | number>;
  /** Arrays handed to `forkWithArrays` (fds after the extra stdio). */
  readonly inherit: readonly NdArray[];
  /**
   * 'manager': the parent's own proxy, once the server listens. share() starts the child first and
   * waits for this after, so the child and the server start at the same time.
   */
  readonly proxy?: Promise<ManagerClient>;
  /** 'locked': the Mutex that guards the array. */
  readonly mutex?: Mutex;
  start(io: ProcessIO): Promise<void>;
  /** Releases what the plan created (files, servers), after the child is gone. */
  dispose(): Promise<void>;
}

/** What a method adds to a worker thread's start: structured-clone params and a transfer list. */
export interface ThreadPlan {
  readonly params: unknown;
  readonly transferList: readonly TransferListItem[];
  /** As ProcessPlan.proxy. */
  readonly proxy?: Promise<ManagerClient>;
  readonly mutex?: Mutex;
  start(io: ThreadIO): Promise<void>;
  dispose(): Promise<void>;
}

/** The parent's side of a running child process, for `ProcessPlan.start`. */
export interface ProcessIO {
  /** The stream at `extraStdio[i]` (for 'pipe' entries). */
  stream(i: number): Duplex;
  /** Sends a method message over IPC; resolves when it was handed to the OS. */
  send(message: unknown): Promise<void>;
}

/** The parent's side of a running worker, for `ThreadPlan.start`. */
export interface ThreadIO {
  post(message: unknown, transfer?: readonly TransferListItem[]): void;
}

/** What the child side of a method is given. */
export interface ChildContext {
  readonly kind: Kind;
  readonly params: unknown;
  /** fd numbers of the extra stdio entries, in order (process only). */
  readonly fds: readonly number[];
  /** The next method message from the parent (queue chunks, late-posted buffers). */
  nextData(): Promise<unknown>;
}

/** What the child side produces: an array, or (manager) a proxy to the server's array. */
export type Received =
  | { readonly form: 'array'; readonly array: NdArray; readonly locked: LockedArray | null }
  | { readonly form: 'proxy'; readonly proxy: ManagerClient };

/**
 * An array the receiving side builds itself instead of receiving the caller's ('manager': the
 * server creates it, as the study's Manager runs the registered callable in its server, so nothing
 * is copied): `share({ build: { dtype, shape, fill } }, { method: 'manager' })`.
 */
export interface BuildSpec {
  readonly dtype: DTypeLike;
  readonly shape: readonly number[] | number;
  readonly fill?: number | bigint | boolean;
}

/** A BuildSpec after share() checked it: canonical dtype and shape, fill checked for the dtype. */
export interface CheckedBuild {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly fill: number | bigint | boolean | undefined;
}

/** One sharing method's parent and child sides (its static facts are in methods/table.ts). */
export interface Method {
  planProcess?(array: NdArray, params: MethodParams): Promise<ProcessPlan>;
  planThread?(array: NdArray, params: MethodParams): Promise<ThreadPlan>;
  /** Methods that can build the array on the receiving side (manager). */
  planProcessBuilt?(spec: CheckedBuild, params: MethodParams): Promise<ProcessPlan>;
  planThreadBuilt?(spec: CheckedBuild, params: MethodParams): Promise<ThreadPlan>;
  receive(ctx: ChildContext): Promise<Received>;
}
