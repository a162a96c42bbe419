/**
 * Node as PID 1 of a PID namespace (a container without an init). The kernel drops every signal
 * that PID 1 does not handle, so ndshare's "unlink, then re-raise" used to leave the process
 * running with its names gone: nothing could attach its segments any more, and the container kept
 * running until it was SIGKILLed. Now PID 1 ends with exit status 128 + the signal number (143
 * for SIGTERM), what a shell reports for a death by that signal, after ndshare and signal-exit
 * have cleaned up (signal-exit's callback runs once, for the signal). Real namespace: `unshare --pid --fork --mount-proc node <fixture>`, and SIGTERM
 * is sent from outside to the namespace's PID 1 (the child of the unshare process).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { deadline, MessageQueue } from './helpers/channel.js';
import { fixturePath } from './helpers/child.js';
import { alive } from './helpers/process.js';
import { shmExists } from './helpers/shm.js';
import type { SignalListenersConfig } from './fixtures/reliability-signal-listeners.js';

type Line = { names?: string[]; pid?: number; signalExit?: { code: number | null; signal: string | null } };

/** Watchdog for each wait (generous: a deadline, not a timing assertion). */
const kWatchdogMs = 20_000;

/** The host pid of `parent`'s only child (the namespace's PID 1), once it has one. */
async function childOf(parent: number): Promise<number> {
  const end = performance.now() + kWatchdogMs;
  for (;;) {
    const pid = Number(readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8').trim().split(/\s+/)[0]);
    if (pid > 0) return pid;
    if (performance.now() > end) throw new Error(`Expected unshare (pid ${parent}) to have a child within ${kWatchdogMs} ms`);
    await delay(20);
  }
}

const skip = process.getuid?.() !== 0 ? 'needs root for unshare --pid' : undefined;

for (const signalExit of ['none', 'before'] as const) {
  const what = signalExit === 'none' ? 'ndshare alone' : 'ndshare and signal-exit';
  test(`PID 1 of a PID namespace (${what}): SIGTERM unlinks the names and ends the process with status 143`, { skip }, async () => {
    const config: SignalListenersConfig = { copies: [], signalExit, appListeners: [] };
    const unshare = spawn('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, fixturePath('reliability-signal-listeners'), JSON.stringify(config)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const lines = new MessageQueue<Line>(`unshare (pid ${unshare.pid})`);
    const stderr: string[] = [];
    unshare.stderr.setEncoding('utf8').on('data', (s: string) => stderr.push(s));
    createInterface({ input: unshare.stdout }).on('line', (l) => lines.push(JSON.parse(l) as Line));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      unshare.on('exit', (code, signal) => {
        lines.end(`it exited (code ${code}, signal ${signal}); stderr: ${stderr.join('').slice(-2000)}`);
        resolve({ code, signal });
      });
    });
    let hostPid = -1;
    let names: string[] = [];
    try {
      const first = await lines.next(kWatchdogMs, undefined, 'to send the names of its segments');
      names = first.names ?? [];
      assert.equal(first.pid, 1, 'the fixture is PID 1 of its namespace');
      hostPid = await childOf(unshare.pid ?? -1);
      assert.ok(names.length === 1 && shmExists(names[0] ?? ''), 'its segment exists');

      process.kill(hostPid, 'SIGTERM');
      const exit = await deadline(exited, 'the namespace\'s PID 1 to end after SIGTERM', kWatchdogMs, () => {
        const state = names.map((n) => (shmExists(n) ? 'still there' : 'gone')).join(', ');
        process.stderr.write(`# PID 1 still running after SIGTERM: ${alive(hostPid)}; its segment name: ${state}\n`);
      });
      assert.deepEqual(exit, { code: 143, signal: null }, 'exit status 128 + SIGTERM (15), passed on by unshare');
      for (const n of names) assert.ok(!shmExists(n), `${n} unlinked`);
      if (signalExit !== 'none') {
        // signal-exit ran its callbacks for the signal (its own re-raise was dropped like ndshare's).
        assert.deepEqual(await lines.next(kWatchdogMs, undefined, "to send signal-exit's callback"), { signalExit: { code: null, signal: 'SIGTERM' } });
      }
    } finally {
      if (hostPid > 0 && alive(hostPid)) process.kill(hostPid, 'SIGKILL');
      unshare.kill('SIGKILL');
      await exited;
      for (const n of names) rmSync(`/dev/shm/${n.replace(/^\//, '')}`, { force: true });
    }
  });
}
