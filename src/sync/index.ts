/**
 * ndshare/sync: locks and barriers shared by processes and worker threads.
 *
 * ```ts
 * // parent (main thread: async acquire, the event loop keeps running)
 * const m = Mutex.create();                       // or Mutex.create({ near: array })
 * const child = fork('child.js', [JSON.stringify(m.handle)]);
 * await m.withLock(async ({ ownerDied }) => { ... });
 *
 * // child process or worker (blocking acquire allowed)
 * const m = Mutex.attach(JSON.parse(process.argv[2]));
 * const got = m.lockSync({ timeoutMs: 1000 });   // { state: 'acquired', ownerDied } | { state: 'timeout' }
 * if (got.state === 'acquired') { try { ... } finally { m.unlock(); } }
 * ```
 *
 * - `Mutex`: `lock({ timeoutMs })` (async), `lockSync()`, `tryLock()`, `unlock()`, `withLock(fn)`,
 *   `withLockSync(fn)`, `markConsistent()`, `handle`, `close()`. Robust: if a holder dies (SIGKILL,
 *   exit, worker.terminate()) the next acquirer gets `ownerDied: true`; it repairs the data and
 *   calls `markConsistent()` before `unlock()`, otherwise the lock becomes not recoverable and
 *   every acquire throws ERR_NDSHARE_LOCK_NOT_RECOVERABLE. A timeout is an outcome
 *   (`state: 'timeout'`), never a stolen lock. Relocking (ERR_NDSHARE_LOCK_RELOCK) and unlocking
 *   without holding (ERR_NDSHARE_LOCK_NOT_OWNER) throw at once. `close()` while holding hands
 *   the next acquirer `ownerDied: true` at once.
 * - `Barrier`: `Barrier.create(parties)`, `wait()` (async) / `waitSync()`, reusable for any
 *   number of rounds; a timeout breaks it for every party.
 * - `LockedArray`: an NdArray plus a Mutex; `get/set/update/getSlice/setSlice` lock per call,
 *   `withLockSync(fn)` / `withLock(fn)` run a bulk operation under one lock. The per-call
 *   accessors acquire blocking: use them in workers and child processes, `withLock` on main threads.
 *
 * Waits go through futex(2) on shared (not private) words, never V8's Atomics.wait, which cannot
 * be woken from another process. Owner death is read from OFD locks the kernel releases.
 */
export { Mutex, type Acquired, type LockOutcome, type TryLockOutcome, type LockOptions, type MutexOptions } from './mutex.js';
export { Barrier, type BarrierOutcome, type BarrierOptions, type BarrierWaitOptions } from './barrier.js';
export { LockedArray, type LockedArrayAttachOptions } from './locked-array.js';
export type { MutexHandle, BarrierHandle, LockedArrayHandle } from './handle.js';
export type { SyncBacking, SyncSegmentHandle } from './word-segment.js';
