/**
 * Names this process created and must remove: on normal exit and on SIGINT/SIGTERM/SIGHUP.
 * Liveness-based sweeping (see sweep) covers the deaths no handler sees, such as SIGKILL or a
 * crash in native code: the kernel drops the dead process's liveness locks and the next sweep, or
 * the next create() anywhere, reclaims what it left.
 */
import { isMainThread } from 'node:worker_threads';
import { native } from './native.js';

const owned = new Set<string>();
let installed = false;
const kSignals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function unlinkAll(): void {
  for (const name of owned) {
    try {
      native().shmUnlink(name);
    } catch {
      // Already gone (unlinked elsewhere or swept): nothing to clean.
    }
  }
  owned.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  // If the application handles this signal itself, it decides whether the process ends; if it
  // keeps running, its segments must keep their names. Its 'exit' still unlinks them, and if it
  // dies some other way the sweep reclaims them.
  if (process.listenerCount(signal) > 1) return;
  unlinkAll();
  // Nobody else handles the signal: die of it, as the default action would, so the parent sees
  // the real signal rather than an exit code.
  process.removeListener(signal, onSignal);
  process.kill(process.pid, signal);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', unlinkAll);
  // Signal handlers belong to the process; only the main thread installs them. A worker's names
  // are unlinked when the worker ends (see registerOwned), or swept after the process is gone.
  if (isMainThread) for (const s of kSignals) process.on(s, onSignal);
}

/** Records a segment name this thread created, to unlink at exit. */
export function registerOwned(name: string): void {
  install();
  owned.add(name);
  // The 'exit' handler does not run when a worker is terminated; an environment cleanup hook does.
  if (!isMainThread) native().shmUnlinkOnThreadExit(name);
}

/** Forgets a name (it was unlinked, or handed over). */
export function releaseOwned(name: string): void {
  owned.delete(name);
  if (!isMainThread) native().cancelShmUnlinkOnThreadExit(name);
}

