#!/usr/bin/env python3
"""NumPy reference for `ndshare bench --python`: the study's nine ways to share a NumPy array
between processes, written afresh for this project and kept faithful to the study's code.

Each method follows the study's shape: main() creates the array, starts one child Process, the
child confirms access (prints the shape, as the study does) and the parent joins. The study's loop
runs main() `--repeats` times in ONE interpreter and times each call with perf_counter(), so the
first run is cold and later runs may reuse already-faulted heap pages (reported apart by ndshare).

Deliberate differences from the study, each one needed to run it as a benchmark harness:
  * The size, dtype and repeat count are arguments (the study: 1e8 float64 ones, 3 repeats).
  * The memory-mapped file method uses the requested dtype; the study used float32 there (half
    the bytes of every other method). `--study-memmap-float32` restores the study's quirk.
  * SharedMemory and the memmap file get unique names in `--dir`, so runs never collide, and are
    removed even when a run fails.
  * The Manager method: on NumPy 2, BaseManager's AutoProxy walks every public attribute of the
    hosted array to build the proxy, and `ndarray.mT` raises ValueError for a 1-d array, so the
    study's code fails before the child starts. We register the callable with an explicit
    `exposed=('sum', ...)` list so no attribute walk happens; everything else is the study's code.
    `--study-manager` runs the study's original registration to show the failure.
  * `--verify`: the child computes the full sum and checks it equals n (ones), instead of only
    printing the shape.
Output: one JSON object per line on stdout for the harness (lines starting with '{'); the child's
study-style prints start with '>' and are ignored by the harness.
"""
import argparse
import json
import os
import sys
import uuid
from multiprocessing import Pipe, Process, Queue, set_start_method
from multiprocessing.managers import BaseManager
from multiprocessing.shared_memory import SharedMemory
from multiprocessing.sharedctypes import Array, RawArray
from time import perf_counter

import numpy
from numpy import frombuffer, memmap, ndarray, ones
from numpy.ctypeslib import as_ctypes, as_ctypes_type

METHODS = ('inherit', 'argument', 'pipe', 'queue', 'locked', 'raw', 'shm', 'mmap', 'manager')

# Set in main from the arguments; module globals so that forked children see them (the study's
# inheritance method relies on exactly this).
OPTS = None
data = None


def confirm(view, n):
    """The child's part: the study prints the shape; with --verify also check every element."""
    print(f'>child has data: {view.shape}', flush=True)
    if OPTS.verify:
        total = float(numpy.asarray(view).sum(dtype=numpy.float64))
        if total != float(n):
            raise SystemExit(f'checksum mismatch: expected {n} but received {total}')


# --- Inheritance (fork start method, global variable) ------------------------------------------
def task_inherit():
    global data
    confirm(data, OPTS.n)


def main_inherit():
    global data
    data = ones((OPTS.n,), dtype=OPTS.dtype)
    child = Process(target=task_inherit)
    child.start()
    child.join()
    return child.exitcode


# --- Function argument --------------------------------------------------------------------------
def task_argument(arr):
    confirm(arr, OPTS.n)


def main_argument():
    arr = ones((OPTS.n,), dtype=OPTS.dtype)
    child = Process(target=task_argument, args=(arr,))
    child.start()
    child.join()
    return child.exitcode


# --- Pipe: send after start so the child drains the pipe ---------------------------------------
def task_pipe(conn1):
    arr = conn1.recv()
    confirm(arr, OPTS.n)


def main_pipe():
    conn1, conn2 = Pipe()
    arr = ones((OPTS.n,), dtype=OPTS.dtype)
    child = Process(target=task_pipe, args=(conn1,))
    child.start()
    conn2.send(arr)
    child.join()
    return child.exitcode


# --- Queue: put before start, as the study does ------------------------------------------------
def task_queue(queue):
    arr = queue.get()
    confirm(arr, OPTS.n)


def main_queue():
    queue = Queue()
    arr = ones((OPTS.n,), dtype=OPTS.dtype)
    queue.put(arr)
    child = Process(target=task_queue, args=(queue,))
    child.start()
    child.join()
    return child.exitcode


# --- ctypes Array (lock=False), initialised from the NumPy array --------------------------------
def task_locked(array):
    print(f'>child has data: {len(array)}', flush=True)
    if OPTS.verify:
        view = frombuffer(array, dtype=OPTS.dtype, count=len(array))
        confirm(view, OPTS.n)


def main_locked():
    arr = ones((OPTS.n,), dtype=OPTS.dtype)
    ctype = as_ctypes(arr)
    array = Array(ctype._type_, arr, lock=False)
    child = Process(target=task_locked, args=(array,))
    child.start()
    child.join()
    return child.exitcode


# --- ctypes RawArray as the buffer of a NumPy array ---------------------------------------------
def task_raw(arr):
    confirm(arr, OPTS.n)


def main_raw():
    array = RawArray(as_ctypes_type(numpy.dtype(OPTS.dtype)), OPTS.n)
    arr = frombuffer(array, dtype=OPTS.dtype, count=len(array))
    arr.fill(1)
    child = Process(target=task_raw, args=(arr,))
    child.start()
    child.join()
    return child.exitcode


# --- SharedMemory --------------------------------------------------------------------------------
def task_shm(name, n):
    sm = SharedMemory(name)
    arr = ndarray((n,), dtype=OPTS.dtype, buffer=sm.buf)
    confirm(arr, n)
    del arr
    sm.close()


def main_shm():
    n = OPTS.n
    n_bytes = n * numpy.dtype(OPTS.dtype).itemsize
    name = f'ndshare-ref-{os.getpid()}-{uuid.uuid4().hex}'
    sm = SharedMemory(name=name, create=True, size=n_bytes)
    try:
        arr = ndarray((n,), dtype=OPTS.dtype, buffer=sm.buf)
        arr.fill(1)
        child = Process(target=task_shm, args=(name, n))
        child.start()
        child.join()
        del arr
        return child.exitcode
    finally:
        sm.close()
        sm.unlink()


# --- Memory-mapped file ---------------------------------------------------------------------------
def memmap_dtype():
    return 'float32' if OPTS.study_memmap_float32 else OPTS.dtype


def task_mmap(filename, n):
    arr = memmap(filename, dtype=memmap_dtype(), mode='r+', shape=(n,))
    confirm(arr, n)


def main_mmap():
    n = OPTS.n
    filename = os.path.join(OPTS.dir, f'ndshare-ref-{os.getpid()}-{uuid.uuid4().hex}.np')
    try:
        arr = memmap(filename, dtype=memmap_dtype(), mode='w+', shape=(n,))
        arr.fill(1)
        child = Process(target=task_mmap, args=(filename, n))
        child.start()
        child.join()
        del arr
        return child.exitcode
    finally:
        if os.path.exists(filename):
            os.unlink(filename)


# --- Manager ----------------------------------------------------------------------------------------
class CustomManager(BaseManager):
    pass


def task_manager(data_proxy):
    total = data_proxy.sum()
    print(f'>child has data: {total}', flush=True)
    if OPTS.verify and float(total) != float(OPTS.n):
        raise SystemExit(f'checksum mismatch: expected {OPTS.n} but received {total}')


def main_manager():
    with CustomManager() as manager:
        data_proxy = manager.shared_array((OPTS.n,), dtype=OPTS.dtype)
        child = Process(target=task_manager, args=(data_proxy,))
        child.start()
        child.join()
        return child.exitcode


def register_manager():
    if OPTS.study_manager:
        # The study's registration: AutoProxy enumerates the array's attributes; fails on NumPy 2.
        CustomManager.register('shared_array', ones)
    else:
        CustomManager.register('shared_array', ones, exposed=('sum', '__len__', '__getitem__'))


MAINS = {
    'inherit': main_inherit, 'argument': main_argument, 'pipe': main_pipe, 'queue': main_queue,
    'locked': main_locked, 'raw': main_raw, 'shm': main_shm, 'mmap': main_mmap, 'manager': main_manager,
}


def emit(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


def parse():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--method', required=True, choices=METHODS)
    p.add_argument('--n', type=lambda s: int(float(s)), default=100_000_000)
    p.add_argument('--dtype', default='float64')
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--dir', default=os.environ.get('TMPDIR', '/tmp'))
    p.add_argument('--start-method', default='fork', choices=('fork', 'spawn', 'forkserver'))
    p.add_argument('--verify', action='store_true')
    p.add_argument('--study-memmap-float32', action='store_true')
    p.add_argument('--study-manager', action='store_true')
    return p.parse_args()


if __name__ == '__main__':
    OPTS = parse()
    # The study's inheritance method requires fork; every other method uses the platform default,
    # which is fork on Linux for Python <= 3.13. Set it explicitly so the run says what it measured.
    set_start_method('fork' if OPTS.method == 'inherit' else OPTS.start_method)
    register_manager()
    emit({'event': 'start', 'method': OPTS.method, 'n': OPTS.n, 'dtype': OPTS.dtype,
          'python': sys.version.split()[0], 'numpy': numpy.__version__,
          'startMethod': 'fork' if OPTS.method == 'inherit' else OPTS.start_method,
          'memmapDtype': memmap_dtype() if OPTS.method == 'mmap' else OPTS.dtype})
    for i in range(OPTS.repeats):
        time_start = perf_counter()
        try:
            exitcode = MAINS[OPTS.method]()
        except Exception as err:  # the harness reports the reason; it must not lose the run
            emit({'event': 'run', 'run': i, 'state': 'failed', 'error': f'{type(err).__name__}: {err}'})
            continue
        seconds = perf_counter() - time_start
        if exitcode != 0:
            emit({'event': 'run', 'run': i, 'state': 'failed', 'error': f'child exited with code {exitcode}', 'seconds': seconds})
        else:
            emit({'event': 'run', 'run': i, 'state': 'ok', 'seconds': seconds})
