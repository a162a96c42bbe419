/**
 * Physical floors (`--floor`): the least each step of a sharing method can cost on this machine.
 * The memory and pipe floors are native (native/floor.cc) so no JavaScript hides in them; process
 * and worker start are measured from Node because every method starts a Node receiver (for a
 * process: an empty ES module with an IPC channel, bare-receiver.ts).
 */
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { floorNative, type FreshSharedHow, type RefillHow } from '../core/native.js';
import type { Floors } from './types.js';

/** Passes per floor; a floor is the least cost, so each takes the fastest pass (noise only adds). */
const kPasses = 5;
/** Passes per way of making fresh shared pages (each way is one candidate for the same floor). */
const kFreshPasses = 3;

/** The ways native/floor.cc can make fresh shared pages, by its `how` number. */
const kFreshWays: Record<FreshSharedHow, string> = {
  0: 'page faults',
  1: 'fallocate + MAP_POPULATE',
  2: 'pwritev through the fd',
  3: 'fallocate + MADV_POPULATE_WRITE',
};
/** Ways whose work splits over threads (1 is one kernel call, so one thread). */
const kThreadedWays: readonly FreshSharedHow[] = [0, 2, 3];

/**
 * The fresh-shared-pages floor: the fastest of every way the kernel offers to get `bytes` of new
 * shared pages holding data, on one thread and on one thread per core, with the way that won.
 */
async function freshSharedFloor(bytes: number, signal: AbortSignal | undefined): Promise<{ seconds: number; way: string }> {
  const b = floorNative();
  const cores = availableParallelism();
  let best = { seconds: Infinity, way: '' };
  for (const how of [0, 1, 2, 3] as const) {
    for (const threads of kThreadedWays.includes(how) && cores > 1 ? [1, cores] : [1]) {
      const seconds = await bestOf(kFreshPasses, () => b.floorFreshShared(bytes, how, threads), signal);
      if (seconds < best.seconds) best = { seconds, way: `${kFreshWays[how]}, ${threads} thread${threads === 1 ? '' : 's'}` };
    }
  }
  return best;
}

/** The ways native/floor.cc can refill a pooled segment, by its `how` number. */
const kRefillWays: Record<RefillHow, string> = { 0: 'memset, first write through the mapping', 1: 'pwritev through the fd' };

/**
 * The refill floor: the fastest way, on one thread and on one per core, to write every page of a
 * pooled segment again (allocated and mapped, never written through the mapping from user space).
 * One pass of each: the first write through a mapping happens once per mapping, and on the VM of
 * docs/benchmark.md it costs about 12 us per 4 KiB page (2.4 s for 800 MB).
 */
async function refillFloor(bytes: number, signal: AbortSignal | undefined): Promise<{ seconds: number; way: string }> {
  const b = floorNative();
  const cores = availableParallelism();
  let best = { seconds: Infinity, way: '' };
  for (const how of [0, 1] as const) {
    for (const threads of cores > 1 ? [1, cores] : [1]) {
      const seconds = await bestOf(how === 0 ? 1 : kFreshPasses, () => b.floorRefill(bytes, how, threads), signal);
      if (seconds < best.seconds) best = { seconds, way: `${kRefillWays[how]}, ${threads} thread${threads === 1 ? '' : 's'}` };
    }
  }
  return best;
}

/** The module spawnFloor starts. */
const bareReceiver = fileURLToPath(new URL('./bare-receiver.js', import.meta.url));

/**
 * Seconds from spawning a bare receiver (an empty ES module with an IPC channel, started as share()
 * starts one) until its code runs, by its own monotonic clock, as a cell's handoff ends when the
 * receiver holds its view. Waits for the exit too, so that passes do not overlap.
 */
export async function spawnFloor(): Promise<number> {
  const t0 = process.hrtime.bigint();
  const at = await new Promise<bigint>((resolve, reject) => {
    const child = spawn(process.execPath, [bareReceiver], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    let seen: bigint | undefined;
    child.once('error', reject);
    child.once('message', (m: { at?: unknown }) => {
      if (typeof m?.at === 'string') seen = BigInt(m.at);
    });
    child.once('exit', (code) => {
      if (code === 0 && seen !== undefined) resolve(seen);
      else reject(new Error(`the bare receiver exited with code ${code}${seen === undefined ? ' before it said when it ran' : ''}`));
    });
  });
  return Number(at - t0) / 1e9;
}

/** Seconds from constructing an empty worker thread to its exit. */
export async function workerFloor(): Promise<number> {
  const t0 = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    const w = new Worker('', { eval: true });
    w.once('error', reject);
    w.once('exit', () => resolve());
  });
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** Raised inside measureFloors when its signal fires; measureFloors turns it into `undefined`. */
class Stopped extends Error {}

/**
 * The fastest of `passes` runs of `f`. Before each pass it lets the event loop turn (most passes
 * are one synchronous native call), so a Ctrl-C or SIGTERM is seen between passes, not after every
 * floor: the fresh-pages floors alone take tens of seconds where page faults are slow.
 */
async function bestOf(passes: number, f: () => Promise<number> | number, signal: AbortSignal | undefined): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < passes; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (signal?.aborted) throw new Stopped();
    best = Math.min(best, await f());
  }
  return best;
}

/**
 * Measures every floor for arrays of `bytes` bytes (the fastest of a few passes each), or returns
 * undefined as soon as `signal` fires (between two passes): an interrupted run reports no floor.
 */
export async function measureFloors(bytes: number, signal?: AbortSignal): Promise<Floors | undefined> {
  const b = floorNative();
  const cores = availableParallelism();
  try {
    const fresh = await freshSharedFloor(bytes, signal);
    // One thread, or one per core (a warm fill of mapped pages splits over the cores): the faster.
    const memset = Math.min(
      await bestOf(1, () => b.floorMemset(bytes, kPasses, 1), signal),
      cores > 1 ? await bestOf(1, () => b.floorMemset(bytes, kPasses, cores), signal) : Infinity,
    );
    const refill = await refillFloor(bytes, signal);
    return {
      bytes,
      memset,
      refill: refill.seconds,
      refillWay: refill.way,
      freshShared: fresh.seconds,
      freshSharedWay: fresh.way,
      pipe: await bestOf(kPasses, () => b.floorPipe(bytes), signal),
      spawn: await bestOf(kPasses, spawnFloor, signal),
      worker: await bestOf(kPasses, workerFloor, signal),
    };
  } catch (err) {
    if (err instanceof Stopped) return undefined;
    throw err;
  }
}
