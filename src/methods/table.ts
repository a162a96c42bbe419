/**
 * The one table of sharing methods. Every other list of methods derives from it: the
 * `MethodName` type, `METHOD_NAMES`, the public `METHODS`, the receiving side's loader, the
 * benchmark's JSON schema enum and the NumPy reference's set. A new method is its own file plus
 * one entry here.
 *
 * The table holds static facts and a loader. A child's start-up is part of every handoff the
 * benchmark times, so what a receiver loads is chosen:
 * - the methods that map memory (inherit, raw, shm, mmap, sab) are imported here, statically: they
 *   are small, need nothing the receive path does not already load, and a receiver then maps in
 *   one step instead of waiting for a second round of module loading (about 3-4 ms of a handoff
 *   on Node 20, docs/benchmark.md);
 * - the others load on demand: each brings its own I/O (node:child_process, node:net, node:v8)
 *   that a mapping receiver should not pay for.
 */
import type { Backing } from '../core/ndarray.js';
import { invalid } from '../errors.js';
import { inherit } from './inherit.js';
import { mmap } from './mmap.js';
import { raw } from './raw.js';
import { sab } from './sab.js';
import { shm } from './shm.js';
import type { Kind, Method, Support } from './types.js';

/** Backings whose memory is a SharedArrayBuffer, so a worker can share it. */
const kSabBackings = ['sab', 'memfd', 'shm', 'file'] as const satisfies readonly Backing[];

/** One row of the table. */
interface MethodEntry {
  /** Human title for tables ("Inheritance (memfd in stdio)"). */
  readonly title: string;
  /** The study's method this one maps to (the NumPy reference runs it), or null for Node-only methods. */
  readonly study: string | null;
  /** True when the receiver gets a copy (its writes are not seen by the sender). */
  readonly copies: boolean;
  readonly kinds: { readonly process: Support; readonly thread: Support };
  /** Backings the array must have, per kind (zero-copy methods), or null for any backing. */
  readonly backings: { readonly process: readonly Backing[] | null; readonly thread: readonly Backing[] | null };
  /** The implementation (parent and child sides), imported on demand or already loaded. */
  readonly load: () => Promise<Method>;
}

const yes = (how: string): Support => ({ supported: true, how });
const no = (why: string): Support => ({ supported: false, why });

/** In the study table's order, then the Node-only methods. */
const TABLE = {
  inherit: {
    title: 'Inheritance (memfd in the spawn stdio array)',
    study: 'inheritance',
    copies: false,
    kinds: {
      process: yes('the memfd is passed at spawn as an extra stdio fd (forkWithArrays); the child maps it with inheritedArrays()'),
      thread: yes('the SharedArrayBuffer over the memory is passed in workerData'),
    },
    backings: { process: ['memfd'], thread: kSabBackings },
    load: async () => inherit,
  },
  argument: {
    title: 'Start argument (serialized into the child at start)',
    study: 'function argument',
    copies: true,
    kinds: {
      process: yes("written at spawn onto an extra stdio socketpair (a v8-serialized header, then the raw bytes) and read into the child's array before it runs (argv caps strings at 128 KiB)"),
      thread: yes('workerData, copied by structured clone'),
    },
    backings: { process: null, thread: null },
    load: async () => (await import('./argument.js')).argument,
  },
  pipe: {
    title: 'Pipe (raw bytes over a socketpair)',
    study: 'Pipe',
    copies: true,
    kinds: {
      process: yes('raw bytes over an extra stdio socketpair; the child reads them straight into the destination typed array'),
      thread: no('Node offers no socketpair between threads of one process; a worker gets a copy faster with queue (postMessage) or shares with sab'),
    },
    backings: { process: null, thread: null },
    load: async () => (await import('./pipe.js')).pipe,
  },
  queue: {
    title: "Queue (IPC, serialization 'advanced' / MessagePort)",
    study: 'Queue',
    copies: true,
    kinds: {
      process: yes("IPC with serialization 'advanced' (v8 serializer): a header message, then the bytes as 256 KiB Uint8Array messages (a few queued at once), copied into the child's array"),
      thread: yes("postMessage on the worker's MessagePort, one copy per chunk (transferred)"),
    },
    backings: { process: null, thread: null },
    load: async () => (await import('./queue.js')).queue,
  },
  'queue-json': {
    title: "Queue, naive default (IPC, serialization 'json')",
    study: null,
    copies: true,
    kinds: {
      process: yes("IPC with serialization 'json' (Node's default), in chunks below V8's string limit"),
      thread: no('worker messages use structured clone, never JSON; use queue for threads'),
    },
    backings: { process: null, thread: null },
    load: async () => (await import('./queue-json.js')).queueJson,
  },
  locked: {
    title: 'Locked shared array (cross-process Mutex)',
    study: 'Array (ctypes, lock=True)',
    copies: false,
    kinds: {
      process: yes('a shm array plus a robust futex Mutex; the child attaches both and reads through the lock'),
      thread: yes('the same LockedArray, its buffer passed in workerData'),
    },
    backings: { process: ['shm', 'memfd'], thread: kSabBackings },
    load: async () => (await import('./locked.js')).locked,
  },
  raw: {
    title: 'Anonymous shared memory, no lock (memfd)',
    study: 'RawArray',
    copies: false,
    kinds: {
      process: yes("the child opens the parent's memfd through /proc/<parent pid>/fd/<n> and maps it; no lock"),
      thread: yes('the SharedArrayBuffer is passed in workerData; no lock'),
    },
    backings: { process: ['memfd'], thread: kSabBackings },
    load: async () => raw,
  },
  shm: {
    title: 'Named shared memory (POSIX shm)',
    study: 'SharedMemory',
    copies: false,
    kinds: {
      process: yes('the child attaches the segment by its name (/dev/shm/ndshare-...)'),
      thread: yes('the worker attaches the segment by its name (a second mapping of the same memory)'),
    },
    backings: { process: ['shm'], thread: ['shm'] },
    load: async () => shm,
  },
  mmap: {
    title: 'Memory-mapped .npy file',
    study: 'memmap',
    copies: false,
    kinds: {
      process: yes('the child maps the same .npy file (MAP_SHARED) by path'),
      thread: yes('the worker maps the same .npy file by path'),
    },
    backings: { process: ['file'], thread: ['file'] },
    load: async () => mmap,
  },
  manager: {
    title: 'Manager (server process, async proxy over a Unix socket)',
    study: 'Manager',
    copies: false,
    kinds: {
      process: yes("a server process owns the array (built there with share({ build }), as the study does, or a copy of the caller's); the child gets an async proxy over a Unix domain socket (binary protocol)"),
      thread: yes('the same server, used from the worker through its own proxy'),
    },
    backings: { process: null, thread: null },
    load: async () => (await import('./manager/method.js')).manager,
  },
  transfer: {
    title: 'ArrayBuffer transfer list (move)',
    study: null,
    copies: false,
    kinds: {
      process: no('an ArrayBuffer can only be moved between threads of one process; a process needs shared memory (shm, raw, inherit) or a copy (pipe, queue)'),
      thread: yes("the ArrayBuffer is moved with the worker's transfer list; the parent's buffer is detached (its views become empty)"),
    },
    backings: { process: ['heap'], thread: ['heap'] },
    load: async () => (await import('./transfer.js')).transfer,
  },
  sab: {
    title: 'SharedArrayBuffer posted to the worker',
    study: null,
    copies: false,
    kinds: {
      process: no('a SharedArrayBuffer lives in one process; another process cannot receive it (use shm, raw or inherit)'),
      thread: yes('the SharedArrayBuffer is posted to the running worker with postMessage (shared, not cloned)'),
    },
    backings: { process: kSabBackings, thread: kSabBackings },
    load: async () => sab,
  },
} as const satisfies Record<string, MethodEntry>;

/** Method names: a contract (the benchmark's JSON uses them). */
export type MethodName = keyof typeof TABLE;

/** Every method name, in the table's order. */
export const METHOD_NAMES = Object.keys(TABLE) as readonly MethodName[];

/** Static description of a method, shown by the registry and the benchmark. */
export interface MethodInfo {
  readonly name: MethodName;
  /** Human title for tables ("Inheritance (memfd in stdio)"). */
  readonly title: string;
  /** The study's method this one maps to, or null for Node-only methods (transfer, sab, queue-json). */
  readonly study: string | null;
  /** True when the child receives a copy (its writes are not seen by the parent). */
  readonly copies: boolean;
  readonly kinds: { readonly process: Support; readonly thread: Support };
}

/** Every method's static description, in the table's order. */
export const METHODS: readonly MethodInfo[] = METHOD_NAMES.map((name) => {
  const { title, study, copies, kinds } = TABLE[name] as MethodEntry;
  return Object.freeze({ name, title, study, copies, kinds });
});

/** The study's methods (those the NumPy reference runs), by ndshare's names for them. */
export const STUDY_METHODS: readonly MethodName[] = METHODS.filter((m) => m.study !== null).map((m) => m.name);

/** Checks a method name from a caller or a peer; unknown names throw ERR_NDSHARE_INVALID_ARGUMENT. */
export function checkMethodName(name: unknown, what = 'method'): MethodName {
  if (typeof name === 'string' && Object.prototype.hasOwnProperty.call(TABLE, name)) return name as MethodName;
  return invalid('ERR_NDSHARE_INVALID_ARGUMENT', `a method name (${METHOD_NAMES.join(', ')})`, what, name);
}

/** The static description of one method. */
export function methodInfo(name: MethodName): MethodInfo {
  return METHODS[METHOD_NAMES.indexOf(checkMethodName(name))] as MethodInfo;
}

/** True when `name` can hand an array to `kind`. */
export function supports(name: MethodName, kind: Kind): boolean {
  return methodInfo(name).kinds[kind].supported;
}

/** Backings the array must have for `name` and `kind`, or null when any backing will do. */
export function requiredBackings(name: MethodName, kind: Kind): readonly Backing[] | null {
  return (TABLE[checkMethodName(name)] as MethodEntry).backings[kind];
}

/** One method's implementation, loading it if it is not one of the static ones. */
export function loadMethod(name: MethodName): Promise<Method> {
  return (TABLE[checkMethodName(name)] as MethodEntry).load();
}
