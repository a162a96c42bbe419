/**
 * The real `ndshare` binary (bin/ndshare.js) as a user runs it: `runBin` waits for it (with the
 * watchdog deadline), `spawnBin` starts it for tests that talk to it while it runs (signals).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { deadline, kDefaultWatchdogMs } from './channel.js';
import { runSync } from './process.js';

/** Path of bin/ndshare.js (from dist/test/helpers/). */
export const kBin = fileURLToPath(new URL('../../../bin/ndshare.js', import.meta.url));

/** How a run of the binary ended. */
export interface BinRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment for the binary: this one without the color variables (a developer's FORCE_COLOR
 * must not change what a test sees), plus `env`.
 */
export function binEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const base = { ...process.env };
  delete base['NO_COLOR'];
  delete base['FORCE_COLOR'];
  return { ...base, ...env };
}

/** Runs `ndshare ARGS` to its end (a deadline that fails the test naming the command). */
export function runBin(args: readonly string[], env: NodeJS.ProcessEnv = {}, ms = kDefaultWatchdogMs): BinRun {
  const r = runSync(`ndshare ${args.join(' ')}`, process.execPath, [kBin, ...args], { env: binEnv(env), timeout: ms });
  if (r.error) throw r.error;
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** A running `ndshare ARGS`, its output collected as it comes. */
export class BinProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  stdout = '';
  stderr = '';
  readonly #exit: Promise<BinRun>;

  constructor(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [kBin, ...args], { env: binEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout.setEncoding('utf8').on('data', (s: string) => (this.stdout += s));
    this.child.stderr.setEncoding('utf8').on('data', (s: string) => (this.stderr += s));
    this.#exit = new Promise((resolve) => {
      this.child.once('close', (code, signal) => resolve({ code, signal, stdout: this.stdout, stderr: this.stderr }));
    });
  }

  /** Resolves when stderr matches `pattern`; fails at once if the process ends first, or after `ms`. */
  stderrMatches(pattern: RegExp, ms = kDefaultWatchdogMs): Promise<void> {
    const seen = new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (pattern.test(this.stderr)) {
          this.child.stderr.off('data', check);
          resolve();
        }
      };
      this.child.stderr.on('data', check);
      check();
      void this.#exit.then((r) => reject(new Error(`Expected ndshare's stderr to match ${pattern} but it exited (code ${r.code}, signal ${r.signal}); stderr: ${r.stderr.slice(-2000)}`)));
    });
    return deadline(seen, `ndshare's stderr to match ${pattern}`, ms, () => this.child.kill('SIGKILL'));
  }

  /** How it ended, within `ms` (then it is killed and the test fails). */
  exited(ms = kDefaultWatchdogMs): Promise<BinRun> {
    return deadline(this.#exit, 'ndshare to exit', ms, () => this.child.kill('SIGKILL'));
  }
}
