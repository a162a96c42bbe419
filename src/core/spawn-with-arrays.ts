/**
 * Handing arrays to a child process through fds in the spawn `stdio` array: the way a memfd (which
 * has no name) reaches another process. Works for every fd-backed array (memfd, shm, file). This
 * is the parent's side; the child maps them with `inheritedArrays()` (inherited-arrays.ts), which
 * does not load node:child_process.
 */
import { spawn, fork, type ChildProcess, type ForkOptions, type SpawnOptions, type StdioOptions } from 'node:child_process';
import { invalid, NdshareError } from '../errors.js';
import type { InheritEntry } from './inherited-arrays.js';
import { kInheritEnv } from './layout.js';
import { stateOf, type ArrayState, type NdArray } from './ndarray.js';
import { resolveModulePath } from './module-path.js';

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

