/**
 * Which thread this code runs on, without loading node:worker_threads. On the main thread that
 * module, with the streams it brings, is about 3 ms of every receiver's start on Node 20, and the
 * receive path asks this on every attach (core/fd.ts, core/exit-cleanup.ts).
 */
import { native } from './native.js';

let main: boolean | undefined;

/**
 * True on the process's main thread, false in a worker thread: the answer of
 * `worker_threads.isMainThread`. On Linux the main thread's thread id is the process id, in any
 * PID namespace (gettid and getpid both answer in the caller's), and Node runs its main JavaScript
 * thread on the process's first thread (an embedder that ran it on another would read as a worker
 * here: its fds and names would then be let go when Node's environment ends, not at a signal).
 * Needs the addon, which every caller has loaded: they hold native fds or shm names. Module state
 * is per thread, so is the cache.
 */
export function isMainThread(): boolean {
  return (main ??= native().gettid() === process.pid);
}
