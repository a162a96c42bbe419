/**
 * A real Node.js child process running a compiled fixture (dist/test/fixtures/<name>.js), talking
 * over the IPC channel (default) or JSON lines on stdin/stdout (`transport: 'lines'`, for fixtures
 * that must run without IPC): `request()` sends one message and waits for the reply (a
 * handshake), with a watchdog that kills the child and fails the test if it hangs.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { forkWithArrays, type NdArray } from '../../src/index.js';
import { kDefaultWatchdogMs, MessageQueue } from './channel.js';

/** Absolute path of a compiled fixture, by its base name ('core-agent-child'). */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}.js`, import.meta.url));
}

/** How a child ended. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Options for `startChild`. */
export interface StartChildOptions {
  /** Arrays handed over as inherited fds (forkWithArrays); the child calls inheritedArrays(). */
  arrays?: readonly NdArray[];
  args?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Watchdog per message, ms. */
  watchdogMs?: number;
  /** 'ipc' (default): process.send/on('message'). 'lines': one JSON value per line on stdin/stdout. */
  transport?: 'ipc' | 'lines';
}

/** A running fixture child. Always `await child.close()` (or `exited`) in a finally block. */
export class FixtureChild<M = unknown> {
  readonly #child: ChildProcess;
  readonly #queue: MessageQueue<M>;
  readonly #watchdogMs: number;
  readonly #stderr: string[] = [];
  readonly #lines: boolean;
  /** Resolves once the process has exited. */
  readonly exited: Promise<ChildExit>;

  constructor(name: string, options: StartChildOptions = {}) {
    const path = fixturePath(name);
    const args = options.args ?? [];
    this.#lines = options.transport === 'lines';
    // fork() always adds an IPC channel; in 'lines' mode the fixture simply does not use it.
    const stdio = this.#lines ? ['pipe', 'pipe', 'pipe', 'ipc'] : ['ignore', 'inherit', 'pipe', 'ipc'];
    const common = { stdio: stdio as ('ignore' | 'inherit' | 'pipe' | 'ipc')[], env: options.env ?? process.env };
    this.#child = options.arrays ? forkWithArrays(path, args, options.arrays, common) : fork(path, args, common);
    this.#watchdogMs = options.watchdogMs ?? kDefaultWatchdogMs;
    this.#queue = new MessageQueue<M>(`child ${name} (pid ${this.#child.pid})`);
    this.#child.stderr?.setEncoding('utf8').on('data', (s: string) => this.#stderr.push(s));
    if (this.#lines && this.#child.stdout) {
      createInterface({ input: this.#child.stdout }).on('line', (line) => {
        try {
          this.#queue.push(JSON.parse(line) as M);
        } catch {
          this.#stderr.push(`[non-JSON stdout] ${line}\n`);
        }
      });
    } else {
      this.#child.on('message', (m) => this.#queue.push(m as M));
    }
    this.exited = new Promise<ChildExit>((resolve) => {
      this.#child.on('exit', (code, signal) => {
        this.#queue.end(new Error(`child ${name} exited (code ${code}, signal ${signal}) before replying; stderr: ${this.stderr}`));
        resolve({ code, signal });
      });
    });
  }

  /** The child's pid. */
  get pid(): number {
    return this.#child.pid ?? -1;
  }

  /** Everything the child wrote to stderr so far. */
  get stderr(): string {
    return this.#stderr.join('');
  }

  /** Waits for the next message (the child's own initiative, e.g. a 'ready' line). */
  next(): Promise<M> {
    return this.#queue.next(this.#watchdogMs, () => this.kill('SIGKILL'));
  }

  /** Sends one message and waits for the reply. */
  request(message: unknown): Promise<M> {
    if (this.#lines) this.#child.stdin?.write(`${JSON.stringify(message)}\n`);
    else this.#child.send(message as object);
    return this.next();
  }

  /** Sends a signal (no-op if it already exited). */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill(signal);
  }

  /** Ends stdin and disconnects IPC (a well-behaved fixture then exits) and waits; SIGKILL if it lingers. */
  async close(): Promise<ChildExit> {
    this.#child.stdin?.end();
    if (this.#child.connected) this.#child.disconnect();
    const timer = setTimeout(() => this.kill('SIGKILL'), this.#watchdogMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
