/** Process facts for tests, and waits on processes that are not fixtures (each with a deadline). */
import { spawnSync, type ChildProcessByStdio, type SpawnSyncOptionsWithStringEncoding, type SpawnSyncReturns } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { deadline, kDefaultWatchdogMs } from './channel.js';

/** True while `pid` exists (signal 0 checks without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves once `pid` is gone. It is not our child, so there is no 'exit' event to wait for: this
 * polls, and fails after `ms` with "Expected <what> to exit ...", so the loop cannot outlive the test.
 */
export async function untilGone(pid: number, what: string, ms = kDefaultWatchdogMs): Promise<void> {
  const end = performance.now() + ms;
  while (alive(pid)) {
    if (performance.now() > end) throw new Error(`Expected ${what} (pid ${pid}) to exit within ${ms} ms`);
    await delay(20);
  }
}

/**
 * spawnSync with a deadline (`options.timeout`, default the watchdog) whose expiry is a failure
 * naming `what`, instead of a half-read result that fails some later assertion for another reason.
 * Other spawn errors stay in `r.error` for the caller's own message (e.g. how to install the tool).
 */
export function runSync(what: string, command: string, args: readonly string[], options: Partial<SpawnSyncOptionsWithStringEncoding> = {}): SpawnSyncReturns<string> {
  const ms = options.timeout ?? kDefaultWatchdogMs;
  const r = spawnSync(command, args, { ...options, encoding: 'utf8', timeout: ms, killSignal: 'SIGKILL' });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT') {
    throw new Error(`Expected ${what} to exit within ${ms} ms; killed it. Its stderr ended with:\n${(r.stderr ?? '').slice(-2000)}`);
  }
  return r;
}

/**
 * The first line a spawned process prints on stdout (a handshake), within `ms`; fails at once,
 * with `stderrTail()` when given, if the process exits before printing it.
 */
export function firstLine(child: ChildProcessByStdio<Writable | null, Readable, Readable | null>, label: string, ms = kDefaultWatchdogMs, stderrTail: () => string = () => ''): Promise<string> {
  return deadline(
    new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        out += s;
        if (out.includes('\n')) resolve(out.split('\n')[0] as string);
      });
      child.once('exit', (code) => reject(new Error(`Expected ${label} to print its first line but it exited (code ${code})${stderrTail() ? `: ${stderrTail()}` : ''}`)));
    }),
    `${label} to print its first line`,
    ms,
  );
}
