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
/** Passes per way of a floor with several ways (each way is one candidate for the same floor). */
const kWayPasses = 3;

/** One way of a floor with several: its name, whether its work splits over threads, its passes. */
interface Way {
  readonly name: string;
  /** False where the way is one kernel call, so one thread. */
  readonly splits: boolean;
  readonly passes: number;
}

/** The ways native/floor.cc can make fresh shared pages, by its `how` number. */
const kFreshWays: Record<FreshSharedHow, Way> = {
  0: { name: 'page faults', splits: true, passes: kWayPasses },
  1: { name: 'fallocate + MAP_POPULATE', splits: false, passes: kWayPasses },
  2: { name: 'pwritev through the fd', splits: true, passes: kWayPasses },
  3: { name: 'fallocate + MADV_POPULATE_WRITE', splits: true, passes: kWayPasses },
};

/**
 * The ways native/floor.cc can refill a pooled segment, by its `how` number. The memset way has one
 * pass: the first write through a mapping happens once per mapping, and on the VM of
 * docs/benchmark.md it costs about 12 us per 4 KiB page (2.4 s for 800 MB).
 */
const kRefillWays: Record<RefillHow, Way> = {
  0: { name: 'memset, first write through the mapping', splits: true, passes: 1 },
  1: { name: 'pwritev through the fd', splits: true, passes: kWayPasses },
};

/**
 * The fastest of `ways` (each on one thread and, where its work splits, on one thread per core),
 * with the way that won, e.g. 'pwritev through the fd, 2 threads'.
 */
async function fastestWay<H extends number>(
  ways: Record<H, Way>,
  run: (how: H, threads: number) => number,
  signal: AbortSignal | undefined,
): Promise<{ seconds: number; way: string }> {
  const cores = availableParallelism();
  let best = { seconds: Infinity, way: '' };
  for (const [key, way] of Object.entries(ways) as Array<[string, Way]>) {
    const how = Number(key) as H;
    for (const threads of way.splits && cores > 1 ? [1, cores] : [1]) {
      const seconds = await bestOf(way.passes, () => run(how, threads), signal);
      if (seconds < best.seconds) best = { seconds, way: `${way.name}, ${threads} thread${threads === 1 ? '' : 's'}` };
    }
  }
  return best;
}

/** The module spawnFloor starts. */
const bareReceiver = fileURLToPath(new URL('./bare-receiver.js', import.meta.url));

/** One bare receiver's times, in seconds from its spawn. */
export interface SpawnTimes {
  /** Until its code runs: the part of a handoff that is Node's own start. */
  readonly runs: number;
  /** Until its exit is seen: a start and a join, the part of a cell that is a receiver's life. */
  readonly joined: number;
}

/**
 * Spawns a bare receiver (an empty ES module with an IPC channel, started as share() starts one)
 * and times it: until its code runs, by its own monotonic clock, as a cell's handoff ends when the
 * receiver holds its view; and until its exit is seen, as a cell ends with the join.
 */
export async function spawnFloor(): Promise<SpawnTimes> {
  const t0 = process.hrtime.bigint();
  return await new Promise<SpawnTimes>((resolve, reject) => {
    const child = spawn(process.execPath, [bareReceiver], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    let seen: bigint | undefined;
    child.once('error', reject);
    child.once('message', (m: { at?: unknown }) => {
      if (typeof m?.at === 'string') seen = BigInt(m.at);
    });
    child.once('exit', (code) => {
      const exited = process.hrtime.bigint();
      if (code === 0 && seen !== undefined) resolve({ runs: Number(seen - t0) / 1e9, joined: Number(exited - t0) / 1e9 });
      else reject(new Error(`the bare receiver exited with code ${code}${seen === undefined ? ' before it said when it ran' : ''}`));
    });
  });
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
 * The bare receiver's two floors from the same kPasses spawns, each its own fastest pass: `spawn`
 * (until its code runs) and `spawnJoined` (until its exit is seen).
 */
async function bareReceiverFloors(signal: AbortSignal | undefined): Promise<Pick<Floors, 'spawn' | 'spawnJoined'>> {
  let spawnJoined = Infinity;
  const spawn = await bestOf(
    kPasses,
    async () => {
      const t = await spawnFloor();
      spawnJoined = Math.min(spawnJoined, t.joined);
      return t.runs;
    },
    signal,
  );
  return { spawn, spawnJoined };
}

/**
 * Measures every floor for arrays of `bytes` bytes (the fastest of a few passes each), or returns
 * undefined as soon as `signal` fires (between two passes): an interrupted run reports no floor.
 */
export async function measureFloors(bytes: number, signal?: AbortSignal): Promise<Floors | undefined> {
  const b = floorNative();
  const cores = availableParallelism();
  try {
    // Fresh shared pages: every way the kernel offers to get `bytes` of new shared pages holding data.
    const fresh = await fastestWay(kFreshWays, (how, threads) => b.floorFreshShared(bytes, how, threads), signal);
    // One thread, or one per core (a warm fill of mapped pages splits over the cores): the faster.
    const memset = Math.min(
      await bestOf(1, () => b.floorMemset(bytes, kPasses, 1), signal),
      cores > 1 ? await bestOf(1, () => b.floorMemset(bytes, kPasses, cores), signal) : Infinity,
    );
    // Refill of a pooled segment: written once through its fd and mapped, never written through the mapping.
    const refill = await fastestWay(kRefillWays, (how, threads) => b.floorRefill(bytes, how, threads), signal);
    return {
      bytes,
      memset,
      refill: refill.seconds,
      refillWay: refill.way,
      freshShared: fresh.seconds,
      freshSharedWay: fresh.way,
      pipe: await bestOf(kPasses, () => b.floorPipe(bytes), signal),
      ...(await bareReceiverFloors(signal)),
      worker: await bestOf(kPasses, workerFloor, signal),
    };
  } catch (err) {
    if (err instanceof Stopped) return undefined;
    throw err;
  }
}
