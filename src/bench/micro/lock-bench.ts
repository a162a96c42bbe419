/**
 * Sync benchmark: ndshare's Mutex beside Python's multiprocessing.Lock, in the same run.
 *   - uncontended lock+unlock cost (fresh process; median of repeats)
 *   - contended throughput of 2 processes hammering one lock (lock+unlock pairs per second)
 *   - owner-death detection: time from SIGKILL / worker.terminate() of the holder to the
 *     acquire of a waiter that was already waiting (p50 / p99 / max)
 * Usage: node dist/src/bench/micro/lock-bench.js [--n 2000000] [--contended 200000] [--repeats 5] [--deaths 50]
 * Prints a markdown table and a JSON line. Numbers on a busy machine are noisy: rerun when quiet.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { create } from '../../core/create.js';
import { Barrier } from '../../sync/barrier.js';
import { Mutex } from '../../sync/mutex.js';
import { machine, median, numberArgs, runCell } from './common.js';

const cell = fileURLToPath(new URL('./lock-cell.js', import.meta.url));
const python = fileURLToPath(new URL('../../../../src/bench/python/mp_lock.py', import.meta.url));

interface Python {
  python: string;
  uncontendedNs: number;
  contendedOpsPerSec: number;
}

async function contended(n: number, repeats: number): Promise<number[]> {
  const out: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const m = Mutex.create();
    const b = Barrier.create(2);
    try {
      const cells = [0, 1].map(() => runCell<{ elapsedNs: number }>(process.execPath, [cell, 'contended', JSON.stringify(m.handle), JSON.stringify(b.handle), String(n)]));
      const elapsed = (await Promise.all(cells)).map((c) => c.elapsedNs);
      out.push((2 * n) / (Math.max(...elapsed) / 1e9));
    } finally {
      b.close();
      m.close();
    }
  }
  return out;
}

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}

/** Kill (or terminate) a holder `rounds` times; returns ms from the kill to the waiter's acquire. */
async function deaths(rounds: number, how: 'sigkill' | 'terminate'): Promise<number[]> {
  const m = Mutex.create();
  const array = create({ dtype: 'float64', shape: [64] });
  const out: number[] = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      const cellArgs = ['hold', JSON.stringify(m.handle), JSON.stringify(array.handle), String(round)];
      let kill: () => unknown;
      let exited: Promise<unknown>;
      if (how === 'sigkill') {
        const child = spawn(process.execPath, [cell, ...cellArgs], { stdio: 'ignore' });
        exited = new Promise((resolve) => child.on('exit', resolve));
        kill = () => child.kill('SIGKILL');
      } else {
        const worker = new Worker(cell, { workerData: cellArgs });
        exited = new Promise((resolve) => worker.on('exit', resolve));
        kill = () => worker.terminate();
      }
      const deadline = performance.now() + 30_000;
      while (array.data[0] !== round) {
        if (performance.now() > deadline) throw new Error('holder never took the lock');
        await new Promise((resolve) => setImmediate(resolve));
      }
      let acquiredAt = NaN;
      const waiting = m.lock({ timeoutMs: 30_000 }).then((r) => {
        acquiredAt = performance.now();
        return r;
      });
      const killedAt = performance.now();
      void kill();
      const got = await waiting;
      await exited;
      if (got.state !== 'acquired' || !got.ownerDied) throw new Error(`round ${round}: expected ownerDied, got ${JSON.stringify(got)}`);
      m.markConsistent();
      m.unlock();
      out.push(acquiredAt - killedAt);
    }
  } finally {
    array.close();
    m.close();
  }
  return out;
}

const { n, contended: nContended, repeats, deaths: rounds } = numberArgs({ n: 2_000_000, contended: 200_000, repeats: 5, deaths: 50 });
const started = new Date().toISOString();
const node = await runCell<{ syncNs: number; asyncNs: number }>(process.execPath, [cell, 'uncontended', String(n), String(repeats)]);
const py = await runCell<Python>('python3', [python, String(n), String(nContended), String(repeats)]);
const nodeContended = median(await contended(nContended, repeats));
const killed = await deaths(rounds, 'sigkill');
const terminated = await deaths(rounds, 'terminate');
const result = {
  started,
  machine: machine(),
  command: `node dist/src/bench/micro/lock-bench.js --n ${n} --contended ${nContended} --repeats ${repeats} --deaths ${rounds}`,
  uncontended: { ndshareLockSyncNs: node.syncNs, ndshareAsyncLockNs: node.asyncNs, pythonNs: py.uncontendedNs, ratio: node.syncNs / py.uncontendedNs },
  contended: { ndshareOpsPerSec: nodeContended, pythonOpsPerSec: py.contendedOpsPerSec, ratio: nodeContended / py.contendedOpsPerSec },
  ownerDeath: {
    sigkillMs: { p50: percentile(killed, 50), p99: percentile(killed, 99), max: Math.max(...killed), rounds },
    terminateMs: { p50: percentile(terminated, 50), p99: percentile(terminated, 99), max: Math.max(...terminated), rounds },
  },
  python: py.python,
};
const f = (x: number, d = 1): string => x.toFixed(d);
console.log(`| measure | ndshare Mutex | Python ${py.python} multiprocessing.Lock | ratio (ndshare / Python) |
|---|---|---|---|
| uncontended lock+unlock, ns (lockSync) | ${f(node.syncNs)} | ${f(py.uncontendedNs)} | ${f(result.uncontended.ratio, 2)} |
| uncontended await lock() + unlock, ns | ${f(node.asyncNs)} | - | - |
| contended, 2 processes, pairs/s | ${f(nodeContended / 1e6, 2)} M | ${f(py.contendedOpsPerSec / 1e6, 2)} M | ${f(result.contended.ratio, 2)} |
| owner death (SIGKILL) -> waiter acquires, ms p50 / p99 / max (${rounds} rounds) | ${f(result.ownerDeath.sigkillMs.p50)} / ${f(result.ownerDeath.sigkillMs.p99)} / ${f(result.ownerDeath.sigkillMs.max)} | - | - |
| owner death (worker.terminate()) -> waiter acquires, ms p50 / p99 / max | ${f(result.ownerDeath.terminateMs.p50)} / ${f(result.ownerDeath.terminateMs.p99)} / ${f(result.ownerDeath.terminateMs.max)} | - | - |`);
console.log(JSON.stringify(result));
