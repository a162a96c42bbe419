/**
 * Physical floors (`--floor`): the least each step of a sharing method can cost on this machine.
 * The memory and pipe floors are native (native/floor.cc) so no JavaScript hides in them; process
 * and worker start are measured from Node because every method starts a Node receiver.
 */
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { floorNative } from '../core/native.js';
import type { Floors } from './types.js';

/** Passes per floor; a floor is the least cost, so each takes the fastest pass (noise only adds). */
const kPasses = 5;

/** Seconds from spawning a bare `node` (no script) to its exit. */
export async function spawnFloor(): Promise<number> {
  const t0 = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bare node child exited with code ${code}`))));
  });
  return Number(process.hrtime.bigint() - t0) / 1e9;
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

async function bestOf(passes: number, f: () => Promise<number> | number): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < passes; i++) best = Math.min(best, await f());
  return best;
}

/** Measures every floor for arrays of `bytes` bytes (the fastest of a few passes each). */
export async function measureFloors(bytes: number): Promise<Floors> {
  const b = floorNative();
  return {
    bytes,
    memset: b.floorMemset(bytes, kPasses),
    // Page by page faults, or reserved and populated up front: the faster way is the floor.
    freshShared: Math.min(await bestOf(kPasses, () => b.floorFreshShared(bytes, 0)), await bestOf(kPasses, () => b.floorFreshShared(bytes, 1))),
    pipe: await bestOf(kPasses, () => b.floorPipe(bytes)),
    spawn: await bestOf(kPasses, spawnFloor),
    worker: await bestOf(kPasses, workerFloor),
  };
}
