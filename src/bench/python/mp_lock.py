"""Python's multiprocessing.Lock, measured the way src/bench/micro/lock-bench.ts measures ndshare's Mutex.

Prints one JSON object: uncontended ns per acquire+release (median of repeats) and contended
throughput of 2 processes (fork start method, as in the study) each doing `n` acquire+release.
Usage: python3 src/bench/python/mp_lock.py N_UNCONTENDED N_CONTENDED REPEATS
"""
import json
import multiprocessing as mp
import statistics
import sys
import time


def uncontended(lock, n):
    acquire, release = lock.acquire, lock.release
    t = time.perf_counter_ns()
    for _ in range(n):
        acquire()
        release()
    return (time.perf_counter_ns() - t) / n


def worker(lock, barrier, n, out):
    acquire, release = lock.acquire, lock.release
    barrier.wait()
    t = time.perf_counter_ns()
    for _ in range(n):
        acquire()
        release()
    out.put(time.perf_counter_ns() - t)


def contended(n):
    ctx = mp.get_context("fork")
    lock, barrier, out = ctx.Lock(), ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=worker, args=(lock, barrier, n, out)) for _ in range(2)]
    for p in procs:
        p.start()
    elapsed = [out.get() for _ in procs]
    for p in procs:
        p.join()
    return 2 * n / (max(elapsed) / 1e9)


def main():
    n_unc, n_con, repeats = (int(a) for a in sys.argv[1:4])
    lock = mp.Lock()
    uncontended(lock, n_unc // 10)  # warm-up
    unc = [uncontended(lock, n_unc) for _ in range(repeats)]
    con = [contended(n_con) for _ in range(repeats)]
    print(json.dumps({
        "python": sys.version.split()[0],
        "uncontendedNs": statistics.median(unc),
        "uncontendedNsAll": unc,
        "contendedOpsPerSec": statistics.median(con),
        "contendedOpsPerSecAll": con,
    }))


if __name__ == "__main__":
    main()
