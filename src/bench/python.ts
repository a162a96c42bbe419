/**
 * Runs the project's NumPy reference (src/bench/python/reference.py) for one method: a fresh Python
 * process running the study's loop twice, so run 0 is cold (fresh heap pages) and run 1 is warm
 * (NumPy's allocator reuses the pages the first run faulted in), as in the study's own repeats.
 */
import { fileURLToPath } from 'node:url';
import { STUDY_METHODS, type MethodName } from '../methods/table.js';
import { lastLine, runProcess } from './spawn.js';
import type { Run } from './types.js';

/** The study's nine methods, by ndshare's names for them. */
export const PYTHON_METHODS: readonly MethodName[] = STUDY_METHODS;

/** Path of the reference script in the installed package. */
export const referenceScript = fileURLToPath(new URL('../../../src/bench/python/reference.py', import.meta.url));

/** The two runs of one reference process. */
export interface PythonPair {
  readonly cold: Run;
  readonly warm: Run;
}

/** What the NumPy reference's memmap and Manager variants did, for the report's notes. */
export interface PythonCall {
  readonly method: MethodName;
  readonly n: number;
  readonly dtype: string;
  readonly verify: boolean;
  readonly dir: string;
  readonly timeoutMs: number;
  /** Aborts the run (Ctrl-C): the process group is ended and both runs read 'interrupted'. */
  readonly signal?: AbortSignal;
}

const kInterrupted: Run = { state: 'failed', error: 'interrupted' };

/** Runs the reference once (two in-process repeats) and returns the cold and warm runs. */
export async function runPython(call: PythonCall, python = 'python3'): Promise<PythonPair> {
  const args = [referenceScript, '--method', call.method, '--n', String(call.n), '--dtype', call.dtype, '--repeats', '2', '--dir', call.dir];
  if (call.verify) args.push('--verify');
  // Two runs share one limit, like two cells would.
  const exit = await runProcess(python, args, call.timeoutMs * 2, process.env, call.signal);
  // Only the Run's own fields: the report's schema refuses any other (pid, stderr, ...).
  if (exit.state === 'timeout') {
    const run: Run = { state: 'timeout', afterSeconds: exit.afterSeconds };
    return { cold: run, warm: run };
  }
  if (exit.state === 'failed') {
    const run: Run = { state: 'failed', error: exit.error };
    return { cold: run, warm: run };
  }
  if (exit.state === 'interrupted') return { cold: kInterrupted, warm: kInterrupted };
  const runs = new Map<number, Run>();
  for (const line of exit.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    let ev: { event?: unknown; run?: unknown; state?: unknown; seconds?: unknown; error?: unknown };
    try {
      ev = JSON.parse(line) as typeof ev;
    } catch {
      continue;
    }
    if (ev.event !== 'run' || typeof ev.run !== 'number') continue;
    if (ev.state === 'ok' && typeof ev.seconds === 'number') runs.set(ev.run, { state: 'ok', total: ev.seconds });
    else runs.set(ev.run, { state: 'failed', error: typeof ev.error === 'string' ? lastLine(ev.error) : 'failed' });
  }
  const missing: Run = {
    state: 'failed',
    error: exit.code === 0 ? 'the reference printed no result' : `python exited with ${exit.signal ?? `code ${exit.code}`}: ${lastLine(exit.stderr)}`,
  };
  return { cold: runs.get(0) ?? missing, warm: runs.get(1) ?? missing };
}
