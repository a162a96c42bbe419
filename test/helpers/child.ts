/**
 * A real Node.js child process running a compiled fixture (dist/test/fixtures/<name>.js), talking
 * over the IPC channel (default) or JSON lines on stdin/stdout (`transport: 'lines'`, for fixtures
 * that must run without IPC): `request()` sends one message and waits for the reply (a
 * handshake), with a watchdog that kills the child and fails the test if it hangs. A child that
 * exits (say, its imports threw) fails every pending wait at once, with the end of its stderr.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { forkWithArrays, type NdArray } from '../../src/index.js';
import { deadline, describeRequest, kDefaultWatchdogMs, MessageQueue, stopAtTestEnd } from './channel.js';

/** How much of a dead child's stderr a failure quotes (the end: the error is there). */
const kStderrTail = 4000;

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
  /** Watchdog per message (and for the exit), ms. */
  watchdogMs?: number;
  /** 'ipc' (default): process.send/on('message'). 'lines': one JSON value per line on stdin/stdout. */
  transport?: 'ipc' | 'lines';
  /** IPC serialization, as fork()'s option: 'json' (default) or 'advanced' (structured clone). */
  serialization?: 'json' | 'advanced';
}

/** A running fixture child. Always `await child.close()` (or `exited`) in a finally block. */
export class FixtureChild<M = unknown> {
  readonly #child: ChildProcess;
  readonly #queue: MessageQueue<M>;
  readonly #watchdogMs: number;
  readonly #stderr: string[] = [];
  readonly #lines: boolean;
  readonly #label: string;
  readonly #exited: Promise<ChildExit>;
  /** SIGKILL sent: the child is as good as gone, whether or not its 'exit' has arrived yet. */
  #killed = false;

  constructor(name: string, options: StartChildOptions = {}) {
    const path = fixturePath(name);
    const args = options.args ?? [];
    this.#lines = options.transport === 'lines';
    // fork() always adds an IPC channel; in 'lines' mode the fixture simply does not use it.
    const stdio = this.#lines ? ['pipe', 'pipe', 'pipe', 'ipc'] : ['ignore', 'inherit', 'pipe', 'ipc'];
    const common = { stdio: stdio as ('ignore' | 'inherit' | 'pipe' | 'ipc')[], env: options.env ?? process.env, serialization: options.serialization ?? 'json' };
    this.#child = options.arrays ? forkWithArrays(path, args, options.arrays, common) : fork(path, args, common);
    this.#watchdogMs = options.watchdogMs ?? kDefaultWatchdogMs;
    this.#label = `child ${name} (pid ${this.#child.pid})`;
    this.#queue = new MessageQueue<M>(this.#label);
    this.#child.stderr?.setEncoding('utf8').on('data', (s: string) => this.#stderr.push(s));
    // A line written to a child that is gone fails with EPIPE; its exit already tells the waits why.
    this.#child.stdin?.on('error', () => undefined);
    // A send to a child that is gone fails here, and its exit tells the waits why (with its stderr).
    // Only a child that never started may have no exit to wait for.
    this.#child.on('error', (err) => {
      if (this.#child.pid === undefined) this.#queue.end(`it could not start: ${err.message}`, err);
    });
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
    this.#exited = new Promise<ChildExit>((resolve) => {
      this.#child.on('exit', (code, signal) => {
        this.#queue.end(`it exited (code ${code}, signal ${signal}); its stderr ended with:\n${this.stderr.slice(-kStderrTail)}`);
        resolve({ code, signal });
      });
    });
    stopAtTestEnd(this.#label, () => this.#running && !this.#killed, () => this.kill('SIGKILL'));
  }

  get #running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** How the process ended, once it has; fails (and SIGKILLs it) if it has not within the watchdog. */
  get exited(): Promise<ChildExit> {
    return deadline(this.#exited, `${this.#label} to exit`, this.#watchdogMs, () => this.kill('SIGKILL'));
  }

  /** The child's pid. */
  get pid(): number {
    return this.#child.pid ?? -1;
  }

  /** Everything the child wrote to stderr so far. */
  get stderr(): string {
    return this.#stderr.join('');
  }

  /**
   * Waits for the next message (the child's own initiative, e.g. 'ready'). `what` names it in the
   * failure: "Expected child X (pid N) to send 'ready' within ...".
   */
  next(what?: string): Promise<M> {
    return this.#queue.next(this.#watchdogMs, () => this.kill('SIGKILL'), what === undefined ? undefined : `to send ${what}`);
  }

  /** Sends one message and waits for the reply. */
  request(message: unknown): Promise<M> {
    this.send(message);
    return this.#queue.next(this.#watchdogMs, () => this.kill('SIGKILL'), `to reply to ${describeRequest(message)}`);
  }

  /** Sends one message that gets no reply (the child exits, or blocks for good). */
  send(message: unknown): void {
    if (this.#lines) this.#child.stdin?.write(`${JSON.stringify(message)}\n`);
    else this.#child.send(message as object);
  }

  /** Sends a signal (no-op if it already exited). */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (!this.#running) return;
    this.#child.kill(signal);
    if (signal === 'SIGKILL') this.#killed = true;
  }

  /** Ends stdin and disconnects IPC (a well-behaved fixture then exits) and waits; SIGKILL if it lingers. */
  async close(): Promise<ChildExit> {
    this.#child.stdin?.end();
    if (this.#child.connected) this.#child.disconnect();
    const timer = setTimeout(() => this.kill('SIGKILL'), this.#watchdogMs);
    try {
      return await this.#exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
