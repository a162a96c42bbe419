/**
 * Handing arrays to a child process through fds in the spawn `stdio` array: the way a memfd (which
 * has no name) reaches another process. Works for every fd-backed array (memfd, shm, file).
 */
import { spawn, fork, type ChildProcess, type ForkOptions, type SpawnOptions, type StdioOptions } from 'node:child_process';
import { constants } from 'node:fs';
import { BACKING_TABLE } from './backings/index.js';
import { refuseWritableIfReadOnly } from './backings/memfd.js';
import { mapFd } from './map-npy.js';
import { native, O_CLOEXEC } from './native.js';
import { invalid, NdshareError, fromSystemError } from '../errors.js';
import { dtypeInfo, type DType, type DTypeLike, type DTypeOf } from './dtype.js';
import { kInheritEnv, kShmDir } from './layout.js';
import { stateOf, type ArrayState, type NdArray } from './ndarray.js';
import { closeQuietly } from './fd.js';
import { checkMode, checkOptions, optionNames, type Mode } from './validate.js';
import { checkDtypeAndShape, checkExpectedDType, expectedDType } from './handle.js';
import { resolveModulePath } from './module-path.js';

/** One inherited array as described to the child in NDSHARE_INHERIT. */
interface InheritEntry {
  fd: number;
  backing: 'shm' | 'memfd' | 'file';
  dtype: DType;
  shape: number[];
  name?: string;
  path?: string;
}

function normalizeStdio(stdio: StdioOptions | undefined, ipc: boolean): unknown[] {
  let base: unknown[];
  if (stdio === undefined) base = ['inherit', 'inherit', 'inherit'];
  else if (typeof stdio === 'string') base = [stdio, stdio, stdio];
  else base = [...stdio];
  if (ipc && !base.includes('ipc')) base.push('ipc');
  return base;
}

function plan(arrays: readonly NdArray[], stdio: unknown[], env: NodeJS.ProcessEnv | undefined): { stdio: unknown[]; env: NodeJS.ProcessEnv; handedTo(child: ChildProcess): ChildProcess } {
  if (!Array.isArray(arrays)) invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'an array of NdArray', 'arrays', arrays);
  const entries: InheritEntry[] = [];
  const states: ArrayState[] = [];
  const out = [...stdio];
  for (const a of arrays) {
    const s = stateOf(a);
    if (s.closed) throw new NdshareError('ERR_NDSHARE_CLOSED', 'Expected open arrays for inheritance but one was closed');
    if (s.fd < 0 || (s.backing !== 'memfd' && s.backing !== 'shm' && s.backing !== 'file')) {
      throw new NdshareError('ERR_NDSHARE_NOT_SHAREABLE', `Expected an fd-backed array ('memfd', 'shm' or 'file') to inherit but received backing '${s.backing}'`);
    }
    const entry: InheritEntry = { fd: out.length, backing: s.backing, dtype: s.info.name, shape: [...s.shape] };
    if (s.name) entry.name = s.name;
    if (s.path && s.backing === 'file') entry.path = s.path;
    entries.push(entry);
    out.push(s.fd);
    // The child's fd shares this open file description, so its use shows in no lock test: the
    // pool must never reuse this memory (a child mapping /proc/self/fd/3 would see the next array).
    s.handedOut ??= 'fd';
    states.push(s);
  }
  const handedTo = (child: ChildProcess): ChildProcess => {
    for (const s of states) (s as { fdHolders?: unknown[] }).fdHolders = [...(s.fdHolders ?? []), child];
    return child;
  };
  return { stdio: out, env: { ...(env ?? process.env), [kInheritEnv]: JSON.stringify(entries) }, handedTo };
}

/**
 * Spawns `command` with `arrays` inherited as fds 3, 4, ... (after any stdio you pass). The child
 * calls `inheritedArrays()` to map them. No copy, no name: the only way to share a memfd.
 */
export function spawnWithArrays(command: string, args: readonly string[], arrays: readonly NdArray[], options: SpawnOptions = {}): ChildProcess {
  const p = plan(arrays, normalizeStdio(options.stdio, false), options.env);
  return p.handedTo(spawn(command, args, { ...options, stdio: p.stdio as StdioOptions, env: p.env }));
}

/**
 * Like `spawnWithArrays` for a Node.js module, with an IPC channel as `child_process.fork` has.
 * `modulePath` is a `file:` URL (`new URL('./child.js', import.meta.url)`) or an absolute path; a
 * relative path, or one that is not an existing file, is refused with ERR_NDSHARE_INVALID_ARGUMENT
 * before anything is spawned (`fork` would resolve it against the current directory).
 */
export function forkWithArrays(modulePath: string | URL, args: readonly string[], arrays: readonly NdArray[], options: ForkOptions = {}): ChildProcess {
  const path = resolveModulePath(modulePath, 'forkWithArrays() modulePath');
  const p = plan(arrays, normalizeStdio(options.stdio, true), options.env);
  return p.handedTo(fork(path, args, { ...options, stdio: p.stdio as StdioOptions, env: p.env }));
}

let inheritedTaken = false;

const kInheritedOptions = optionNames<InheritedOptions>({ mode: true, dtype: true });

/** Options for `inheritedArrays()`. */
export interface InheritedOptions {
  /** 'r+' shared read-write (default), 'r' read-only, 'c' copy-on-write. */
  mode?: Mode;
  /**
   * The dtypes you expect: one for every array ('float64'), or one per array in order
   * (['float64', 'int32'], which also fixes their count). Checked before anything is mapped
   * (ERR_NDSHARE_HANDLE_MISMATCH) and types the result.
   */
  dtype?: DTypeLike | readonly DTypeLike[];
}

/** The arrays `inheritedArrays({ dtype: [...] })` returns: one NdArray per listed dtype. */
export type InheritedTuple<T extends readonly DTypeLike[]> = { -readonly [I in keyof T]: NdArray<DTypeOf<T[I]>> };

/**
 * In a child started by `spawnWithArrays`/`forkWithArrays`: maps the inherited arrays, in the
 * order they were passed. Call once; the inherited fds are replaced by close-on-exec ones so a
 * grandchild does not inherit them by accident. With `{ dtype }` their dtypes are checked and typed.
 */
export function inheritedArrays<const T extends readonly DTypeLike[]>(options: InheritedOptions & { dtype: T }): InheritedTuple<T>;
export function inheritedArrays<S extends DTypeLike>(options: InheritedOptions & { dtype: S }): NdArray<DTypeOf<S>>[];
export function inheritedArrays(options?: InheritedOptions): NdArray[];
export function inheritedArrays(options: InheritedOptions = {}): NdArray[] {
  const o = checkOptions(options, 'inheritedArrays() options', kInheritedOptions);
  const mode = checkMode(o['mode']);
  const wanted = expectedDTypes(o['dtype']);
  const raw = process.env[kInheritEnv];
  if (raw === undefined || inheritedTaken) {
    throw new NdshareError(
      'ERR_NDSHARE_NO_INHERITED',
      `Expected arrays inherited from a parent (${kInheritEnv} set by spawnWithArrays or forkWithArrays) but ${raw === undefined ? 'there are none' : 'they were already taken'}`,
    );
  }
  let entries: unknown;
  try {
    entries = JSON.parse(raw);
  } catch {
    entries = undefined;
  }
  if (!Array.isArray(entries)) return invalid('ERR_NDSHARE_INVALID_HANDLE', 'a JSON array of inherited arrays', kInheritEnv, raw);
  inheritedTaken = true;
  delete process.env[kInheritEnv];
  if (wanted) checkInheritedDTypes(entries, wanted);
  const taken: NdArray[] = [];
  try {
    for (const [i, e] of entries.entries()) taken.push(takeInherited(e, i, mode));
  } catch (err) {
    // All or nothing: the arrays mapped before the bad entry must not keep their fds and locks.
    for (const a of taken) a.close();
    throw err;
  }
  return taken;
}

/** The `dtype` option of inheritedArrays(), resolved: one dtype for all, or one per array. */
function expectedDTypes(value: unknown): DType | readonly DType[] | undefined {
  if (!Array.isArray(value)) return expectedDType(value);
  return value.map((v: unknown, i) => expectedDType(v, `options.dtype[${i}]`) ?? invalid('ERR_NDSHARE_INVALID_DTYPE', 'a dtype', `options.dtype[${i}]`, v));
}

/**
 * Refuses a dtype or count the caller did not expect, before any entry is mapped. The inherited
 * fds then all go: the caller cannot take them again (taken once), so nothing else would close them.
 */
function checkInheritedDTypes(entries: readonly unknown[], wanted: DType | readonly DType[]): void {
  try {
    if (typeof wanted !== 'string' && wanted.length !== entries.length) {
      throw new NdshareError('ERR_NDSHARE_HANDLE_MISMATCH', `Expected ${wanted.length} inherited arrays (options.dtype) but the parent passed ${entries.length}`);
    }
    for (const [i, e] of entries.entries()) {
      const [want, what] = typeof wanted === 'string' ? [wanted, 'options.dtype'] : [wanted[i], `options.dtype[${i}]`];
      if (!want) continue;
      checkExpectedDType(checkDtypeAndShape(isObject(e) ? e : {}, `${kInheritEnv}[${i}]`).dtype, want, what, `inherited array ${i}`);
    }
  } catch (err) {
    for (const e of entries) {
      const fd = isObject(e) ? e['fd'] : undefined;
      if (typeof fd === 'number' && Number.isSafeInteger(fd) && fd >= 3) closeQuietly(fd);
    }
    throw err;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function takeInherited(value: unknown, index: number, mode: Mode): NdArray {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return invalid('ERR_NDSHARE_INVALID_HANDLE', 'an inherited-array entry object', `${kInheritEnv}[${index}]`, value);
  const e = value as Partial<InheritEntry>;
  const fdIn = e.fd;
  if (typeof fdIn !== 'number' || !Number.isSafeInteger(fdIn) || fdIn < 3) return invalid('ERR_NDSHARE_INVALID_HANDLE', 'an fd number of at least 3', `${kInheritEnv}[${index}].fd`, fdIn);
  // Validate the rest as a handle's fields are validated.
  const h = checkDtypeAndShape(e as Record<string, unknown>, `${kInheritEnv}[${index}]`);
  const info = dtypeInfo(h.dtype);
  const backing = e.backing;
  if (backing !== 'memfd' && backing !== 'shm' && backing !== 'file') return invalid('ERR_NDSHARE_INVALID_HANDLE', "'memfd', 'shm' or 'file'", `${kInheritEnv}[${index}].backing`, backing);
  const source = `inherited fd ${fdIn}`;
  let fd: number;
  try {
    // Reopen through /proc to get a close-on-exec fd of our own, then drop the inherited one.
    fd = native().openFd(`/proc/self/fd/${fdIn}`, (mode === 'r+' ? constants.O_RDWR : constants.O_RDONLY) | O_CLOEXEC, 0);
  } catch (err) {
    throw fromSystemError(err, `take ${source}`);
  } finally {
    // The inherited fd is no longer needed whatever happens next, a failed reopen included;
    // failing to close it must not leak the new one.
    closeQuietly(fdIn);
  }
  // From here on exactly as attach(): header, size, ownership and liveness checks, then the map.
  const path = (newFd: number): string =>
    backing === 'memfd' ? `/proc/${process.pid}/fd/${newFd}` : e.path ?? (e.name ? `${kShmDir}${e.name}` : source);
  const rules = {
    expect: { info, shape: h.shape },
    order: 'C' as const,
    requireName: false,
    ...(backing === 'shm' ? { segment: true } : {}),
    // The reopened fd is an open file description of our own: hold the liveness lock on it too.
    ...(backing === 'memfd' ? { liveness: true } : {}),
    ...(e.name ? { name: e.name } : {}),
  };
  if (backing === 'memfd') refuseWritableIfReadOnly(fd, mode, source);
  return mapFd(fd, source, BACKING_TABLE[backing].ops, mode, rules, path);
}
