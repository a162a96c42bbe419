/**
 * Names this process created and must remove: on normal exit and on SIGINT/SIGTERM/SIGHUP.
 * Liveness-based sweeping (see sweep) covers the deaths no handler sees, such as SIGKILL or a
 * crash in native code: the kernel drops the dead process's liveness locks and the next sweep, or
 * the next create() anywhere, reclaims what it left.
 *
 * Signals. Installing a listener turns off a signal's default action, so whoever listens must end
 * the process again after cleaning up. ndshare classifies the other listeners of the signal:
 *   - "cleanup-then-reraise" listeners: every copy of ndshare (each registers its listener in a
 *     registry shared through `Symbol.for('ndshare.signals')` on `process`, so two installed
 *     versions know each other), and signal-exit v3 and v4 (counted from the globals they publish
 *     for the same purpose). Like ndshare, they clean up and want the process to die of the signal.
 *   - any other listener is the application's: it decides whether the process ends (it may mean to
 *     keep running), so ndshare leaves the names alone and they go at 'exit' or by the sweep.
 * With only cleanup-then-reraise listeners, ndshare unlinks its names, removes its listener and,
 * once every listener of this delivery has run (setImmediate), re-raises the signal if the process
 * is still alive; by then a remaining signal-exit is the last listener and re-raises in turn. One
 * copy is elected to re-raise (the registry's `pending` set). A process that is PID 1 of its PID
 * namespace (a container without an init) cannot die of a re-raised signal, because the kernel
 * drops signals that PID 1 does not handle; it ends with process.exit(128 + signal number), the
 * status a shell reports for a death by that signal.
 */
import { native } from './native.js';
import { isMainThread } from './thread.js';

const owned = new Set<string>();
let installed = false;
const kSignals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * What every copy of ndshare in a process shares on `process[Symbol.for('ndshare.signals')]`.
 * Version 1. A later version may add fields but keeps these, so older copies still recognise it.
 */
interface SignalRegistry {
  readonly version: number;
  /** The signal listeners of every copy of ndshare: cleanup-then-reraise, never the application's. */
  readonly listeners: Set<unknown>;
  /** Signals for which one copy has already scheduled the re-raise. */
  readonly pending: Set<string>;
}

const kRegistry = Symbol.for('ndshare.signals');
/** signal-exit v4's shared emitter; its `count` is the number of loaded signal-exit listeners. */
const kSignalExitV4 = Symbol.for('signal-exit emitter');

function isRegistry(r: unknown): r is SignalRegistry {
  const o = r as Partial<SignalRegistry> | null;
  return typeof o === 'object' && o !== null && o.listeners instanceof Set && o.pending instanceof Set;
}

/** The shared registry, created by the first copy; a private one if something else took the key. */
function registry(): SignalRegistry {
  const holder = process as unknown as Record<symbol, unknown>;
  const existing = holder[kRegistry];
  if (isRegistry(existing)) return existing;
  const mine: SignalRegistry = { version: 1, listeners: new Set(), pending: new Set() };
  if (existing === undefined) Object.defineProperty(holder, kRegistry, { value: mine, enumerable: false });
  return mine;
}

/** signal-exit listeners loaded in this process (v4 publishes its count on globalThis, v3 on process). */
function signalExitListeners(): number {
  const v4 = (globalThis as unknown as Record<symbol, { count?: unknown } | undefined>)[kSignalExitV4];
  const v3 = (process as unknown as { __signal_exit_emitter__?: { count?: unknown } }).__signal_exit_emitter__;
  return (typeof v4?.count === 'number' ? v4.count : 0) + (typeof v3?.count === 'number' ? v3.count : 0);
}

/** Listeners of `signal` that are neither ndshare's nor signal-exit's: the application's own. */
function applicationListeners(signal: NodeJS.Signals): number {
  const all = process.listeners(signal);
  const known = registry().listeners;
  return all.filter((l) => !known.has(l)).length - signalExitListeners();
}

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
  // The application handles this signal itself: it decides whether the process ends; if it keeps
  // running, its segments must keep their names. Its 'exit' still unlinks them, and if it dies
  // some other way the sweep reclaims them. (This listener is prepended, so it runs first and
  // still sees an application's process.once() listener, which Node removes before calling it.)
  if (applicationListeners(signal) > 0) return;
  unlinkAll();
  // Off the list now, so that a signal-exit listener that runs after this one in the same
  // delivery sees itself last and re-raises at once.
  process.removeListener(signal, onSignal);
  const { pending } = registry();
  if (pending.has(signal)) return;
  pending.add(signal);
  setImmediate(() => {
    pending.delete(signal);
    endBySignal(signal);
  });
}

/** Every listener of the delivery has run and the process is still alive: end it by `signal`. */
function endBySignal(signal: NodeJS.Signals): void {
  if (applicationListeners(signal) > 0) {
    // Someone registered a listener of their own meanwhile: theirs is the decision now.
    process.prependListener(signal, onSignal);
    return;
  }
  // node:os only here, when a signal ends the process: a receiver does not load it to start.
  const status = 128 + process.getBuiltinModule('node:os').constants.signals[signal];
  // PID 1 of a PID namespace never dies of a signal it does not handle: the kernel drops it.
  if (process.pid === 1) process.exit(status);
  // With no listener left the default action kills the process inside kill(). Otherwise a
  // remaining signal-exit listener gets this signal, is the last one now, and re-raises it.
  process.kill(process.pid, signal);
  // Still here with nobody to handle it: the signal was dropped, so end the way it would have.
  if (process.listenerCount(signal) === 0) process.exit(status);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', unlinkAll);
  // Signal handlers belong to the process; only the main thread installs them. A worker's names
  // are unlinked when the worker ends (see registerOwned), or swept after the process is gone.
  if (isMainThread()) {
    registry().listeners.add(onSignal);
    for (const s of kSignals) process.prependListener(s, onSignal);
  }
}

/** Records a segment name this thread created, to unlink at exit. */
export function registerOwned(name: string): void {
  install();
  owned.add(name);
  // The 'exit' handler does not run when a worker is terminated; an environment cleanup hook does.
  if (!isMainThread()) native().shmUnlinkOnThreadExit(name);
}

/** Forgets a name (it was unlinked, or handed over). */
export function releaseOwned(name: string): void {
  owned.delete(name);
  if (!isMainThread()) native().cancelShmUnlinkOnThreadExit(name);
}
