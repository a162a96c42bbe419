/**
 * Benchmark (a): create a float64 array of n ones in POSIX shared memory and have a child process
 * attach it and read element 0; ndshare against Python's multiprocessing.shared_memory doing the
 * same (fork start method, as the study uses), in the same run. Every cell is a fresh process;
 * the two implementations alternate (and swap order every repeat) so machine noise hits both.
 *
 *   node dist/src/bench/micro/create-attach.js [--n 1e8] [--repeats 7]
 *
 * Prints a markdown table (medians, ms) and the ratio ndshare / Python.
 */
import { fileURLToPath } from 'node:url';
import { machine, median, numberArgs, runCell } from './common.js';

interface Cell {
  impl: 'ndshare' | 'python';
  create_ms: number;
  child_ms: number;
  total_ms: number;
}

// The Python twin of create-attach-cell.ts. With fork the child shares the parent's resource
// tracker, so its attach registers nothing new and the parent's unlink is the only cleanup.
const kPython = `
import json, sys, time
import numpy as np
from multiprocessing import get_context, shared_memory

def child(name, n, q):
    s = shared_memory.SharedMemory(name=name)
    a = np.ndarray((n,), dtype=np.float64, buffer=s.buf)
    q.put(float(a[0]))
    del a
    s.close()

if __name__ == '__main__':
    n = int(float(sys.argv[1]))
    ctx = get_context('fork')
    t0 = time.perf_counter()
    shm = shared_memory.SharedMemory(create=True, size=n * 8)
    a = np.ndarray((n,), dtype=np.float64, buffer=shm.buf)
    a[:] = 1.0
    t1 = time.perf_counter()
    q = ctx.Queue()
    p = ctx.Process(target=child, args=(shm.name, n, q))
    p.start()
    v = q.get()
    p.join()
    t2 = time.perf_counter()
    del a
    shm.close()
    shm.unlink()
    assert v == 1.0, v
    print(json.dumps({'impl': 'python', 'create_ms': (t1 - t0) * 1e3, 'child_ms': (t2 - t1) * 1e3, 'total_ms': (t2 - t0) * 1e3}))
`;

const { n, repeats } = numberArgs({ n: 1e8, repeats: 7 });
const nodeCell = fileURLToPath(new URL('./create-attach-cell.js', import.meta.url));
const cells: Cell[] = [];
const started = new Date().toISOString();
const load = machine();
for (let r = 0; r < repeats; r++) {
  const order = r % 2 === 0 ? (['ndshare', 'python'] as const) : (['python', 'ndshare'] as const);
  for (const impl of order) {
    const cell = impl === 'ndshare' ? await runCell<Cell>(process.execPath, [nodeCell, String(n)]) : await runCell<Cell>('python3', ['-c', kPython, String(n)]);
    cells.push(cell);
    console.error(`repeat ${r + 1}/${repeats} ${impl}: total ${cell.total_ms.toFixed(1)} ms`);
  }
}

const stat = (impl: Cell['impl'], key: 'create_ms' | 'child_ms' | 'total_ms'): number => median(cells.filter((c) => c.impl === impl).map((c) => c[key]));
const row = (impl: Cell['impl']): string => `| ${impl === 'ndshare' ? 'ndshare shm (create + fill, child attaches by handle)' : 'Python multiprocessing.shared_memory (fork)'} | ${stat(impl, 'create_ms').toFixed(1)} | ${stat(impl, 'child_ms').toFixed(1)} | ${stat(impl, 'total_ms').toFixed(1)} |`;
console.log(`Benchmark (a): create ${n} float64 ones in shm, child attaches and reads element 0`);
console.log(`started ${started}; ${load}; ${repeats} repeats, fresh process per cell, alternating order; medians in ms`);
console.log('');
console.log('| implementation | create + fill | child start, attach, read [0] | total |');
console.log('|---|---|---|---|');
console.log(row('ndshare'));
console.log(row('python'));
console.log('');
console.log(`ratio ndshare / Python (total, medians): ${(stat('ndshare', 'total_ms') / stat('python', 'total_ms')).toFixed(2)}`);
console.log(`all totals (ms): ndshare ${cells.filter((c) => c.impl === 'ndshare').map((c) => c.total_ms.toFixed(0)).join(', ')}; python ${cells.filter((c) => c.impl === 'python').map((c) => c.total_ms.toFixed(0)).join(', ')}`);
