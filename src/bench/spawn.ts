/**
 * Runs one benchmark process (a cell, or the NumPy reference) in its own process group with a
 * wall-clock limit. On timeout the whole group is killed, so a hung receiver, a Python Manager
 * server or a forked grandchild can never outlive its cell.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

/** How a benchmark process ended. */
export type Exit =
  | { readonly state: 'exited'; readonly pid: number; readonly code: number | null; readonly signal: string | null; readonly stdout: string; readonly stderr: string; readonly result: string }
  | { readonly state: 'timeout'; readonly pid: number; readonly afterSeconds: number; readonly stderr: string; readonly result: string }
  | { readonly state: 'interrupted'; readonly pid: number }
  | { readonly state: 'failed'; readonly error: string };

const kKeepStderr = 4096;
/**
 * After an interrupt, how long the group has to end on SIGTERM (so its exit handlers unlink what
 * it created) before it is killed.
 */
export const kInterruptGraceMs = 2000;

/**
 * Spawns `command args` and waits for it. Whatever the process writes to fd 3 is returned as
 * `result` (cells answer there so that stray prints on stdout cannot corrupt the answer). When
 * `signal` aborts (the user pressed Ctrl-C), the group gets SIGTERM, then SIGKILL after
 * kInterruptGraceMs, and the exit is 'interrupted'. `watch` is called with the pid once the process
 * runs (the memory sampler) and its result when the process has ended.
 */
export function runProcess(
  command: string,
  args: readonly string[],
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
  signal?: AbortSignal,
  watch?: (pid: number) => () => void,
): Promise<Exit> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    if (signal?.aborted) {
      resolve({ state: 'interrupted', pid: -1 });
      return;
    }
    let child;
    try {
      child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], detached: true, env });
    } catch (err) {
      resolve({ state: 'failed', error: `could not start ${command}: ${String((err as Error).message ?? err)}` });
      return;
    }
    const unwatch = child.pid !== undefined ? watch?.(child.pid) : undefined;
    let stdout = '';
    let stderr = '';
    let result = '';
    let timedOut = false;
    let interrupted = false;
    let grace: NodeJS.Timeout | undefined;
    const collect = (s: Readable | null, add: (chunk: string) => void): void => {
      s?.setEncoding('utf8');
      s?.on('data', add);
    };
    collect(child.stdout, (c) => (stdout += c));
    collect(child.stderr, (c) => (stderr = (stderr + c).slice(-kKeepStderr)));
    collect(child.stdio[3] as Readable | null, (c) => (result += c));
    const killGroup = (how: NodeJS.Signals = 'SIGKILL'): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, how);
      } catch {
        // The group is already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    const onAbort = (): void => {
      interrupted = true;
      killGroup('SIGTERM');
      grace = setTimeout(() => killGroup(), kInterruptGraceMs);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (): void => {
      unwatch?.();
      clearTimeout(timer);
      clearTimeout(grace);
      signal?.removeEventListener('abort', onAbort);
    };
    child.once('error', (err) => {
      settle();
      resolve({ state: 'failed', error: `could not start ${command}: ${err.message}` });
    });
    child.once('close', (code, exitSignal) => {
      settle();
      // A grandchild that ignored its parent's death would keep the group alive: end it too.
      killGroup();
      const pid = child.pid ?? -1;
      if (interrupted) resolve({ state: 'interrupted', pid });
      else if (timedOut) resolve({ state: 'timeout', pid, afterSeconds: Number(process.hrtime.bigint() - t0) / 1e9, stderr, result });
      else resolve({ state: 'exited', pid, code, signal: exitSignal, stdout, stderr, result });
    });
  });
}

/**
 * The line of a process's stderr that names its error ("SyntaxError: ...", "NdshareError [ENOSPC]:
 * ..."), for "failed: <reason>"; else the last line that is not a stack frame.
 */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const named = [...lines].reverse().find((l) => /^[A-Za-z]*(Error|Exception)\b.*:/.test(l));
  const plain = [...lines].reverse().find((l) => !l.startsWith('at ') && l !== '^' && !/^Node\.js v\d/.test(l));
  return (named ?? plain ?? '').slice(0, 300);
}
