/**
 * The process side of `ndshare bench --parallel`: a small pool of child processes, each running
 * child.ts, fed one task at a time over Node's IPC channel. The tasks carry the arrays' handles and
 * each child attaches them once (ndshare's own `attach()`), like a worker thread of the thread pool.
 *
 * Why no npm process pool: the one that is kept up and has a process mode (workerpool) would do, but
 * it would become a runtime dependency of the shipped CLI for what takes about a hundred lines here
 * (fork N, queue, answer by id, close and reap), and the handles a task needs travel as plain JSON
 * messages anyway: no pool library adds anything ndshare's attach() does not already do. The same
 * choice as the process recipe of docs/parallel.md.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ParallelTask, TaskResult } from './kernels.js';

/** What the parent sends a child: one task and its number. */
export interface ChildRequest {
  readonly id: number;
  readonly task: ParallelTask;
}

/** What a child answers, for the task of the same number. */
export type ChildAnswer =
  | { readonly id: number; readonly state: 'ok'; readonly result: TaskResult }
  | { readonly id: number; readonly state: 'failed'; readonly error: string };

const kChild = fileURLToPath(new URL('./child.js', import.meta.url));

/** How long a child may take to exit after its channel closed before it is killed. */
const kExitGraceMs = 10_000;

interface Pending {
  readonly id: number;
  readonly task: ParallelTask;
  readonly resolve: (r: TaskResult) => void;
  readonly reject: (e: Error) => void;
}

interface Member {
  readonly child: ChildProcess;
  busy: Pending | null;
  readonly exited: Promise<void>;
  stderr: string;
}

/** A pool of `size` child processes (a `TaskPool` of pool.ts, which imports this module). */
export class ProcessPool {
  readonly size: number;
  readonly #members: Member[];
  readonly #queue: Pending[] = [];
  #nextId = 0;
  #closing = false;
  #broken: Error | null = null;

  constructor(size: number) {
    this.size = size;
    this.#members = Array.from({ length: size }, () => this.#spawn());
  }

  /** Pids of the children (the reaping test looks for them). */
  get pids(): number[] {
    return this.#members.map((m) => m.child.pid ?? -1);
  }

  #spawn(): Member {
    const child = fork(kChild, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json', execArgv: [] });
    let markExited: () => void = () => {};
    const member: Member = { child, busy: null, exited: new Promise<void>((resolve) => (markExited = resolve)), stderr: '' };
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (member.stderr = (member.stderr + s).slice(-2000)));
    child.on('message', (answer: ChildAnswer) => {
      const job = member.busy;
      if (job === null || job.id !== answer.id) return;
      member.busy = null;
      if (answer.state === 'ok') job.resolve(answer.result);
      else job.reject(new Error(answer.error));
      this.#dispatch();
    });
    // 'error' without 'exit' (the spawn itself failed) still ends the member.
    child.on('error', (err) => this.#lost(member, err.message));
    child.on('exit', (code, signal) => {
      markExited();
      if (!this.#closing) this.#lost(member, `exited with ${signal ?? `code ${code}`}${member.stderr.trim() ? `: ${member.stderr.trim().split('\n').pop()}` : ''}`);
    });
    return member;
  }

  /** A child died while the pool was in use: its task and every queued one fail, and so does every later run. */
  #lost(member: Member, why: string): void {
    const err = new Error(`Expected the bench child ${member.child.pid} to run its tasks but it ${why}`);
    this.#broken ??= err;
    member.busy?.reject(err);
    member.busy = null;
    for (const job of this.#queue.splice(0)) job.reject(err);
  }

  #dispatch(): void {
    for (const m of this.#members) {
      if (this.#queue.length === 0) return;
      if (m.busy !== null || !m.child.connected) continue;
      const job = this.#queue.shift() as Pending;
      m.busy = job;
      m.child.send({ id: job.id, task: job.task } satisfies ChildRequest);
    }
  }

  run(task: ParallelTask): Promise<TaskResult> {
    if (this.#broken) return Promise.reject(this.#broken);
    return new Promise<TaskResult>((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, task, resolve, reject });
      this.#dispatch();
    });
  }

  /** Closes every channel (a child then exits by itself), kills a child that has not exited after a grace period, and waits for every exit. */
  async close(): Promise<void> {
    this.#closing = true;
    for (const job of this.#queue.splice(0)) job.reject(new Error('the pool was closed'));
    await Promise.all(
      this.#members.map(async (m) => {
        if (m.child.exitCode !== null || m.child.signalCode !== null) return;
        if (m.child.connected) m.child.disconnect();
        const timer = setTimeout(() => m.child.kill('SIGKILL'), kExitGraceMs);
        await m.exited;
        clearTimeout(timer);
      }),
    );
  }

  /** Kills every child now and waits for their exits (a run that timed out). */
  async destroy(): Promise<void> {
    this.#closing = true;
    for (const m of this.#members) if (m.child.exitCode === null && m.child.signalCode === null) m.child.kill('SIGKILL');
    await this.close();
  }
}
