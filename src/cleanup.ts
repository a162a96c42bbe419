/**
 * Names this process created and must remove: on normal exit and on SIGINT/SIGTERM/SIGHUP.
 * Liveness-based sweeping (see sweep) covers the deaths no handler sees, such as SIGKILL.
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
  unlinkAll();
  // If nobody else handles the signal, die of it as the default action would.
  if (process.listenerCount(signal) === 1) {
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', unlinkAll);
  if (isMainThread) for (const s of kSignals) process.on(s, onSignal);
}

/** Records a segment name this thread created, to unlink at exit. */
export function registerOwned(name: string): void {
  install();
  owned.add(name);
}

/** Forgets a name (it was unlinked). */
export function releaseOwned(name: string): void {
  owned.delete(name);
}
