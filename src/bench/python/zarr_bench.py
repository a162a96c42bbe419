"""zarr-python's side of `ndshare bench-zarr`: write and read one float64 array to a directory
store, `repeats` times, with the same data, chunks and compressor as ndshare's side.
Prints one JSON line: {"zarr": version, "publish": [...], "fetch": [...], "fetchShared": [...]}
(seconds). The data is made before timing (as ndshare's is), and reading includes allocating the
result: "fetch" into a NumPy array (private memory, zarr-python's usual), "fetchShared" into a
.npy memmap in /dev/shm (shared memory that the host's other processes can map: ndshare's job).
"""
import argparse, json, os, shutil, time
import numpy as np
import numcodecs
import zarr

p = argparse.ArgumentParser()
p.add_argument('--n', type=int, required=True)
p.add_argument('--chunk', type=int, required=True)
p.add_argument('--compressor', choices=['none', 'zlib', 'gzip', 'blosc'], required=True)
p.add_argument('--level', type=int, default=None)
p.add_argument('--repeats', type=int, default=3)
p.add_argument('--path', required=True)
a = p.parse_args()

data = (np.arange(a.n, dtype=np.int64) % 1000).astype('<f8') * 0.25
codec = {
    'none': None,
    'zlib': numcodecs.Zlib(level=1 if a.level is None else a.level),
    'gzip': numcodecs.GZip(level=1 if a.level is None else a.level),
    'blosc': numcodecs.Blosc(cname='lz4', clevel=5 if a.level is None else a.level, shuffle=numcodecs.Blosc.SHUFFLE),
}[a.compressor]
out = {'zarr': zarr.__version__, 'numpy': np.__version__, 'publish': [], 'fetch': [], 'fetchShared': []}
shared = '/dev/shm/zarr-python-bench-%d.npy' % os.getpid()
for _ in range(a.repeats):
    shutil.rmtree(a.path, ignore_errors=True)
    t0 = time.perf_counter()
    z = zarr.open(a.path, mode='w', shape=(a.n,), chunks=(a.chunk,), dtype='<f8', compressor=codec)
    z[:] = data
    out['publish'].append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    back = zarr.open(a.path, mode='r')[:]
    out['fetch'].append(time.perf_counter() - t0)
    assert back[12345] == data[12345]
    del back
    t0 = time.perf_counter()
    m = np.lib.format.open_memmap(shared, mode='w+', dtype='<f8', shape=(a.n,))
    zarr.open(a.path, mode='r').get_basic_selection(Ellipsis, out=m)
    out['fetchShared'].append(time.perf_counter() - t0)
    assert m[12345] == data[12345]
    del m
    os.unlink(shared)
shutil.rmtree(a.path, ignore_errors=True)
print(json.dumps(out), flush=True)
