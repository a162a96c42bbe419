/**
 * One measurement cell of the sync benchmark, run in a fresh process (or worker) by
 * src/bench/micro/lock-bench.ts. Prints one JSON line.
 *   uncontended N REPEATS             lock+unlock cost of an uncontended Mutex, ns per pair
 *   contended MUTEX BARRIER N         N lockSync+unlock pairs after a start barrier, elapsed ns
 *   hold MUTEX ARRAY MARKER           takes the lock, writes MARKER into array[0], spins forever
 * In a worker, the same arguments come as workerData (an array of strings).
 */
import { isMainThread, workerData } from 'node:worker_threads';
import { attach } from '../../core/attach.js';
import { Barrier } from '../../sync/barrier.js';
import { Mutex } from '../../sync/mutex.js';
import { median } from './common.js';

const args: string[] = isMainThread ? process.argv.slice(2) : (workerData as string[]);

function pairsSync(m: Mutex, n: number): number {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    m.lockSync();
    m.unlock();
  }
  return Number(process.hrtime.bigint() - t);
}

async function pairsAsync(m: Mutex, n: number): Promise<number> {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    await m.lock();
    m.unlock();
  }
  return Number(process.hrtime.bigint() - t);
}

async function main(): Promise<void> {
  const [mode, a, b, c] = args;
  switch (mode) {
    case 'uncontended': {
      const n = Number(a);
      const repeats = Number(b);
      const m = Mutex.create();
      pairsSync(m, n / 10); // warm-up: let the JIT compile the fast path
      await pairsAsync(m, n / 100);
      const sync: number[] = [];
      const asyncNs: number[] = [];
      for (let r = 0; r < repeats; r++) sync.push(pairsSync(m, n) / n);
      for (let r = 0; r < repeats; r++) asyncNs.push((await pairsAsync(m, n / 10)) / (n / 10));
      m.close();
      console.log(JSON.stringify({ syncNs: median(sync), syncNsAll: sync, asyncNs: median(asyncNs), asyncNsAll: asyncNs }));
      return;
    }
    case 'contended': {
      const m = Mutex.attach(JSON.parse(a ?? ''));
      const barrier = Barrier.attach(JSON.parse(b ?? ''));
      const n = Number(c);
      pairsSync(m, 10_000);
      barrier.waitSync();
      const elapsedNs = pairsSync(m, n);
      m.close();
      barrier.close();
      console.log(JSON.stringify({ elapsedNs }));
      return;
    }
    case 'hold': {
      const m = Mutex.attach(JSON.parse(a ?? ''));
      const array = attach(JSON.parse(b ?? ''), { dtype: 'float64' });
      m.lockSync();
      const d = array.data;
      d[0] = Number(c);
      for (let i = 0; ; i++) d[1 + (i % (d.length - 1))] = i;
    }
    default:
      throw new Error(`unknown mode ${mode}`);
  }
}

await main();
