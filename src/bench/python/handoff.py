#!/usr/bin/env python3
"""Python reference for `ndshare bench --handoff --python`: the handoff of a SharedMemory array to
an ALREADY RUNNING process, the way a Python application hands work to its workers.

The parent starts one multiprocessing Process with a Pipe and waits until it is running and
listening; only then does it create ONE SharedMemory of n float64 and fill it with ones. Then,
`--warmup + --iterations` times, one at a time: it sends the segment's name over the Pipe; the
receiver attaches it as the idiom goes (`SharedMemory(name)` then `np.ndarray(buffer=shm.buf)`),
notes time.monotonic_ns() as soon as it holds the view, checks the view, lets it go (del, close)
and replies with the times at which the name reached it and at which it held the view. time.monotonic_ns() is CLOCK_MONOTONIC, the clock Node's
process.hrtime reads, one clock for every process on the machine: the one-way time (send until
view) is measured directly, as ndshare's side measures it.

Output: one JSON line on stdout, {"state": "ok", "create": s, "receivers": [{"kind": "process",
"channel": "multiprocessing.Pipe", "latencies": [s...], "roundTrips": [s...]}]} (or "failed"); "bare" holds the one-way times of an empty message sent just before each name.
"""
import argparse
import json
import os
import sys
import uuid
from multiprocessing import Pipe, Process
from multiprocessing.shared_memory import SharedMemory
from time import monotonic_ns, sleep

import numpy as np

GAP_S = 0.002


def receiver(conn, n):
    conn.send('ready')
    while True:
        name = conn.recv()
        arrived_at = monotonic_ns()
        if name is None:
            return
        if name == '':
            conn.send((arrived_at, arrived_at))
            continue
        shm = SharedMemory(name)
        a = np.ndarray((n,), dtype=np.float64, buffer=shm.buf)
        view_at = monotonic_ns()
        ok = a.shape == (n,) and a[0] == 1.0
        del a
        shm.close()
        conn.send((arrived_at, view_at) if ok else f'Expected a view of {n} ones')


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--n', type=int, required=True)
    p.add_argument('--iterations', type=int, default=200)
    p.add_argument('--warmup', type=int, default=10)
    args = p.parse_args()
    parent, child = Pipe()
    proc = Process(target=receiver, args=(child, args.n))
    proc.start()
    shm = None
    try:
        if not parent.poll(30) or parent.recv() != 'ready':
            raise RuntimeError('the receiver did not start within 30 s')
        t0 = monotonic_ns()
        # 'ndshare-ref-<pid>-' like reference.py: the test suite's leak check knows the prefix.
        shm = SharedMemory(name=f'ndshare-ref-{os.getpid()}-handoff-{uuid.uuid4().hex}', create=True, size=args.n * 8)
        np.ndarray((args.n,), dtype=np.float64, buffer=shm.buf)[:] = 1.0
        create = (monotonic_ns() - t0) / 1e9
        latencies, round_trips, bare, attaches = [], [], [], []
        for i in range(args.warmup + args.iterations):
            # A bare message first, as ndshare's side does: the Pipe's own part of the handoff.
            # Each message after a pause of GAP_S, as on ndshare's side: it finds the receiver
            # asleep in read(), as a worker is when work arrives.
            sleep(GAP_S)
            t0 = monotonic_ns()
            parent.send('')
            if not parent.poll(30):
                raise RuntimeError('the receiver did not answer within 30 s')
            ping = parent.recv()[1] - t0
            sleep(GAP_S)
            t0 = monotonic_ns()
            parent.send(shm.name)
            if not parent.poll(30):
                raise RuntimeError('the receiver did not answer within 30 s')
            reply = parent.recv()
            t2 = monotonic_ns()
            if not isinstance(reply, tuple):
                raise RuntimeError(str(reply))
            arrived_at, view_at = reply
            if i >= args.warmup:
                latencies.append((view_at - t0) / 1e9)
                round_trips.append((t2 - t0) / 1e9)
                bare.append(ping / 1e9)
                attaches.append((view_at - arrived_at) / 1e9)
        parent.send(None)
        proc.join(30)
        receivers = [{'kind': 'process', 'channel': 'multiprocessing.Pipe', 'latencies': latencies, 'roundTrips': round_trips, 'bare': bare, 'attaches': attaches}]
        print(json.dumps({'state': 'ok', 'create': create, 'receivers': receivers}), flush=True)
    except Exception as err:  # noqa: BLE001 - reported to the harness as a failed row
        print(json.dumps({'state': 'failed', 'error': f'{type(err).__name__}: {err}'}), flush=True)
    finally:
        if proc.is_alive():
            proc.kill()
            proc.join()
        if shm is not None:
            shm.close()
            shm.unlink()


if __name__ == '__main__':
    sys.exit(main())
