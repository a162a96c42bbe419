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
import { dtypeInfo, type DType } from './dtype.js';
import { kInheritEnv, kShmDir } from './layout.js';
import { stateOf, type ArrayState, type NdArray } from './ndarray.js';
import { closeQuietly } from './fd.js';
import { checkMode, checkOptions, type Mode } from './validate.js';
import { checkDtypeAndShape } from './handle.js';

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

/** Like `spawnWithArrays` for a Node.js module, with an IPC channel as `child_process.fork` has. */
export function forkWithArrays(modulePath: string, args: readonly string[], arrays: readonly NdArray[], options: ForkOptions = {}): ChildProcess {
  const p = plan(arrays, normalizeStdio(options.stdio, true), options.env);
  return p.handedTo(fork(modulePath, args, { ...options, stdio: p.stdio as StdioOptions, env: p.env }));
}

let inheritedTaken = false;

/**
 * In a child started by `spawnWithArrays`/`forkWithArrays`: maps the inherited arrays, in the
 * order they were passed. Call once; the inherited fds are replaced by close-on-exec ones so a
 * grandchild does not inherit them by accident.
 */
export function inheritedArrays(options: { mode?: Mode } = {}): NdArray[] {
  const mode = checkMode(checkOptions(options, 'inheritedArrays() options', ['mode'])['mode']);
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
