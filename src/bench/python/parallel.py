#!/usr/bin/env python3
"""NumPy reference for `ndshare bench --parallel`: the same three kernels over one shared float64
array, with `multiprocessing.Pool` over `SharedMemory`, the same partitioning (task t of W takes rows
floor(t*R/W) .. floor((t+1)*R/W) of an R x C array) and the same checks as ndshare's side
(src/bench/parallel/kernels.ts).

Run once per worker count W. The array `x` (R*C float64 ones) and the stencil's output `out` are two
SharedMemory segments; each task carries their names and a worker attaches each name once and keeps
it (as ndshare's workers do with handles). Kernels are written as a NumPy user writes them:
  sum      np.sum of the task's rows (SIMD, pairwise)
  axpb     x *= a; x += b on the task's rows, in place (two passes: NumPy has no fused a*x+b)
  stencil  out = x + alpha * (up + down + left + right - 4 x), in blocks of rows so the
           temporaries stay in cache; the border is copied
Each kernel runs once untimed (attach, page tables), then `--repeats` timed runs; a run is the time
from submitting the W tasks to the last result. The sharing cost: `--sharing-tasks` round trips of
an empty task (it looks its view up and touches nothing) alternating with a no-op task, one at a
time; the medians' difference is what handing a task its view costs.

Output: one JSON object on the last line of stdout.
"""
import argparse
import json
import os
import statistics
from multiprocessing import get_context
from multiprocessing.shared_memory import SharedMemory
from time import perf_counter, thread_time

import numpy as np

ATTACHED = {}
BLOCK_ROWS = 32


def view(name, shape):
    """The worker's view of segment `name`: attached the first time, found in ATTACHED after."""
    got = ATTACHED.get(name)
    if got is None:
        shm = SharedMemory(name=name)
        got = (shm, np.ndarray(shape, dtype=np.float64, buffer=shm.buf))
        ATTACHED[name] = got
    # The same segment as rows x cols (stencil) or flat (sum, axpb): a view, no copy.
    return got[1] if got[1].shape == tuple(shape) else got[1].reshape(shape)


# Every task answers (value, seconds to get its views, CPU seconds of its thread in the kernel).
def task_noop():
    return (0.0, 0.0, 0.0)


def task_empty(name, shape):
    t0 = perf_counter()
    view(name, shape)
    return (0.0, perf_counter() - t0, 0.0)


def task_sum(name, shape, start, end):
    t0 = perf_counter()
    x = view(name, shape)
    seconds = perf_counter() - t0
    c0 = thread_time()
    total = float(np.sum(x[start:end]))
    return (total, seconds, thread_time() - c0)


def task_axpb(name, shape, start, end, a, b):
    x = view(name, shape)[start:end]
    c0 = thread_time()
    np.multiply(x, a, out=x)
    np.add(x, b, out=x)
    return (0.0, 0.0, thread_time() - c0)


def task_stencil(xname, oname, shape, start, end, alpha):
    rows, cols = shape
    x = view(xname, shape)
    out = view(oname, shape)
    c0 = thread_time()
    for r in (0, rows - 1):
        if start <= r < end:
            out[r] = x[r]
    lo, hi = max(start, 1), min(end, rows - 1)
    for b0 in range(lo, hi, BLOCK_ROWS):
        b1 = min(b0 + BLOCK_ROWS, hi)
        c = x[b0:b1, 1:-1]
        o = out[b0:b1, 1:-1]
        np.add(x[b0 - 1:b1 - 1, 1:-1], x[b0 + 1:b1 + 1, 1:-1], out=o)
        o += x[b0:b1, :-2]
        o += x[b0:b1, 2:]
        o -= 4.0 * c
        o *= alpha
        o += c
        out[b0:b1, 0] = x[b0:b1, 0]
        out[b0:b1, -1] = x[b0:b1, -1]
    return (0.0, 0.0, thread_time() - c0)


def call(fn, args):
    return fn(*args)


def spans(workers, rows):
    return [((t * rows) // workers, ((t + 1) * rows) // workers) for t in range(workers)]


def timed(pool, fn, arglist, cpu):
    """Runs one task per arglist entry; returns the wall time and the results, and appends the slowest task's CPU time to `cpu`."""
    t0 = perf_counter()
    results = pool.starmap(call, [(fn, a) for a in arglist], chunksize=1)
    seconds = perf_counter() - t0
    cpu.append(max(r[2] for r in results))
    return seconds, results


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--rows', type=int, required=True)
    p.add_argument('--cols', type=int, required=True)
    p.add_argument('--workers', type=int, required=True)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--sharing-tasks', type=int, default=200)
    p.add_argument('--a', type=float, default=1.0)
    p.add_argument('--b', type=float, default=0.5)
    p.add_argument('--alpha', type=float, default=0.25)
    o = p.parse_args()
    rows, cols, w = o.rows, o.cols, o.workers
    n = rows * cols
    shape = (rows, cols)
    flat = (n,)
    # 'ndshare-ref-<pid>-' names: a run killed before it unlinked is found by its pid, like the study's.
    prefix = f'ndshare-ref-{os.getpid()}-par'
    shms = [SharedMemory(create=True, size=n * 8, name=f'{prefix}-x'), SharedMemory(create=True, size=n * 8, name=f'{prefix}-out')]
    out = {'workers': w, 'kernels': {}, 'sharing': None}
    try:
        x = np.ndarray(flat, dtype=np.float64, buffer=shms[0].buf)
        grid_out = np.ndarray(shape, dtype=np.float64, buffer=shms[1].buf)
        x.fill(1.0)
        grid_out.fill(0.0)
        xname, oname = shms[0].name, shms[1].name
        part = spans(w, rows)
        flat_part = [(a * cols, b * cols) for a, b in part]
        with get_context('fork').Pool(w) as pool:
            # sum: x is ones, so every run's total is n.
            _, first = timed(pool, task_sum, [(xname, flat, a, b) for a, b in flat_part], [])
            first_attach = [r[1] for r in first]
            runs, cpu, check = [], [], None
            for _ in range(o.repeats):
                s, res = timed(pool, task_sum, [(xname, flat, a, b) for a, b in flat_part], cpu)
                runs.append(s)
                total = sum(r[0] for r in res)
                if total != float(n) and check is None:
                    check = f'sum is {total}, expected {n}'
            out['kernels']['sum'] = {'seconds': runs, 'cpu': cpu, 'check': check}
            # axpb: 1 + runs * b after every run (warm-up included), exact in float64.
            runs, cpu = [], []
            for _ in range(o.repeats + 1):
                s, _res = timed(pool, task_axpb, [(xname, flat, a, b, o.a, o.b) for a, b in flat_part], cpu)
                runs.append(s)
            want = 1.0 * o.a ** (o.repeats + 1) + sum(o.b * o.a ** k for k in range(o.repeats + 1))
            bad = np.flatnonzero(x != want)
            check = None if bad.size == 0 else f'axpb x[{bad[0]}] is {x[bad[0]]}, expected {want}'
            out['kernels']['axpb'] = {'seconds': runs[1:], 'cpu': cpu[1:], 'check': check}
            # stencil over x[i, j] = i^2 + j^2: inside x + 4 alpha, on the border x.
            g = x.reshape(shape)
            np.add((np.arange(rows, dtype=np.float64) ** 2)[:, None], (np.arange(cols, dtype=np.float64) ** 2)[None, :], out=g)
            runs, cpu = [], []
            for _ in range(o.repeats + 1):
                s, _res = timed(pool, task_stencil, [(xname, oname, shape, a, b, o.alpha) for a, b in part], cpu)
                runs.append(s)
            want = g + 4 * o.alpha
            want[0, :] = g[0, :]
            want[-1, :] = g[-1, :]
            want[:, 0] = g[:, 0]
            want[:, -1] = g[:, -1]
            bad = np.argwhere(grid_out != want)
            check = None if bad.size == 0 else f'stencil out[{bad[0][0]}, {bad[0][1]}] is {grid_out[tuple(bad[0])]}, expected {want[tuple(bad[0])]}'
            del want, g
            out['kernels']['stencil'] = {'seconds': runs[1:], 'cpu': cpu[1:], 'check': check}
            # Sharing cost: one task at a time, empty and no-op alternating.
            empty, noop = [], []
            for _ in range(o.sharing_tasks):
                t0 = perf_counter()
                pool.apply(call, (task_empty, (xname, flat)))
                empty.append(perf_counter() - t0)
                t0 = perf_counter()
                pool.apply(call, (task_noop, ()))
                noop.append(perf_counter() - t0)
            out['sharing'] = {
                'empty': statistics.median(empty),
                'noop': statistics.median(noop),
                'firstAttach': statistics.median(first_attach),
            }
        del x, grid_out
    finally:
        for shm in shms:
            try:
                shm.close()
            except BufferError:
                pass  # a view is still alive (an error path): the mapping goes with the process
            shm.unlink()
    print(json.dumps(out), flush=True)


if __name__ == '__main__':
    main()
