/**
 * One test per error code the core raises: each provokes the error through the public API and
 * asserts the code and the message shape ("Expected X for Y but received Z" for ndshare codes,
 * "Failed to <what>: ERRNO (syscall) on <path>" for system errors). Nothing provoked here may
 * crash the process or leave a segment, file or fd behind.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { attach, create, inheritedArrays, open, spawnWithArrays } from '../src/index.js';
import { formatHeader } from '../src/core/npy.js';
import { throwsNdshare } from './helpers/errors.js';
import { FdSnapshot } from './helpers/fds.js';
import { ShmSnapshot } from './helpers/shm.js';

const shm = new ShmSnapshot();
const fds = new FdSnapshot();
const dir = mkdtempSync(join(tmpdir(), 'ndshare-core-err-'));

after(() => {
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(shm.addedBy(), [], 'no segment left in /dev/shm');
  assert.deepEqual(fds.leaked(), [], 'no fd left open');
});

/** Writes a file made of an ndshare-style header (data at 4096) plus `dataBytes` bytes. */
function npyFile(name: string, descr: string, shape: number[], dataBytes: number): string {
  const p = join(dir, name);
  writeFileSync(p, Buffer.concat([formatHeader(descr, shape, 4096), Buffer.alloc(dataBytes)]));
  return p;
}

function rawFile(name: string, bytes: Uint8Array | string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** A v1 header around an arbitrary dict text, padded to 64 bytes like NumPy does. */
function headerWith(dict: string): Buffer {
  let text = dict;
  while ((10 + text.length + 1) % 64 !== 0) text += ' ';
  text += '\n';
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  pre.writeUInt16LE(text.length, 8);
  return Buffer.concat([pre, Buffer.from(text, 'latin1')]);
}

test('ERR_NDSHARE_INVALID_ARGUMENT: bad options, backing, fill, path, mode, convert', () => {
  throwsNdshare(() => create(null as never), 'ERR_NDSHARE_INVALID_ARGUMENT', /^Expected an options object for create\(\) options but received null$/);
  throwsNdshare(() => create({ dtype: 'float64', shape: [1], backing: 'disk' as never }), 'ERR_NDSHARE_INVALID_ARGUMENT', /^Expected one of 'shm', 'memfd', 'file', 'sab', 'heap' for options.backing but received the string "disk"$/);
  throwsNdshare(() => create({ dtype: 'float64', shape: [1], backing: 'heap', fill: 'x' as never }), 'ERR_NDSHARE_INVALID_ARGUMENT', /for options.fill but received the string "x"$/);
  throwsNdshare(() => create({ dtype: 'int64', shape: [1], backing: 'heap', fill: 0.5 }), 'ERR_NDSHARE_INVALID_ARGUMENT', /^Expected an integer in \[-9223372036854775808, 9223372036854775807\] for options.fill of dtype int64 but received number 0.5; NumPy would truncate it to 0/);
  throwsNdshare(() => create({ dtype: 'uint8', shape: [1], backing: 'file' }), 'ERR_NDSHARE_INVALID_ARGUMENT', /for options.path but received undefined$/);
  throwsNdshare(() => create({ dtype: 'uint8', shape: [1], backing: 'shm', path: '/tmp/x' }), 'ERR_NDSHARE_INVALID_ARGUMENT', /for options.path/);
  throwsNdshare(() => attach({ ndshare: 1, backing: 'sab', buffer: new SharedArrayBuffer(8), dtype: 'uint8', shape: [8] }, { mode: 'w' as never }), 'ERR_NDSHARE_INVALID_ARGUMENT', /^Expected one of 'r\+', 'r', 'c' for options.mode but received the string "w"$/);
  throwsNdshare(() => open('x.npy', { convert: 'swap' as never }), 'ERR_NDSHARE_INVALID_ARGUMENT', /for options.convert/);
  throwsNdshare(() => open('' as string), 'ERR_NDSHARE_INVALID_ARGUMENT', /^Expected a .npy file path for path but received the string ""$/);
  throwsNdshare(() => open(dir), 'EISDIR');
});

test('ERR_NDSHARE_INVALID_DTYPE: unknown names, unsupported descr, and a complex .npy', () => {
  throwsNdshare(() => create({ dtype: 'float128' as never, shape: [1], backing: 'heap' }), 'ERR_NDSHARE_INVALID_DTYPE', /^Expected a dtype name \(bool, .*float64\) or a little-endian NumPy descr such as '<f8' for options.dtype but received the string "float128"$/);
  throwsNdshare(() => create({ dtype: 42 as never, shape: [1], backing: 'heap' }), 'ERR_NDSHARE_INVALID_DTYPE', /but received number 42$/);
  throwsNdshare(() => create({ dtype: '|f8' as never, shape: [1], backing: 'heap' }), 'ERR_NDSHARE_INVALID_DTYPE');
  const complex = npyFile('complex.npy', '<c16', [2], 32);
  throwsNdshare(() => open(complex), 'ERR_NDSHARE_INVALID_DTYPE', /^Expected a supported numeric dtype in .*complex.npy but its header says "<c16"$/);
});

test('ERR_NDSHARE_INVALID_SHAPE: negative, fractional, non-numeric dimensions, too many dimensions', () => {
  throwsNdshare(() => create({ dtype: 'uint8', shape: [2, -1], backing: 'heap' }), 'ERR_NDSHARE_INVALID_SHAPE', /^Expected a non-negative integer for options.shape\[1\] but received number -1$/);
  throwsNdshare(() => create({ dtype: 'uint8', shape: [1.5], backing: 'heap' }), 'ERR_NDSHARE_INVALID_SHAPE', /received number 1.5$/);
  throwsNdshare(() => create({ dtype: 'uint8', shape: ['3'] as never, backing: 'heap' }), 'ERR_NDSHARE_INVALID_SHAPE', /received the string "3"$/);
  throwsNdshare(() => create({ dtype: 'uint8', shape: 'abc' as never, backing: 'heap' }), 'ERR_NDSHARE_INVALID_SHAPE', /^Expected an array of non-negative integers for options.shape/);
  throwsNdshare(() => create({ dtype: 'uint8', shape: new Array(65).fill(1), backing: 'heap' }), 'ERR_NDSHARE_INVALID_SHAPE', /^Expected at most 64 dimensions/);
});

test('ERR_NDSHARE_INVALID_HANDLE: not an object, wrong version, bad backing, bad name, bad fd', () => {
  throwsNdshare(() => attach(null), 'ERR_NDSHARE_INVALID_HANDLE', /^Expected an ndshare handle .* for handle but received null$/);
  throwsNdshare(() => attach({ backing: 'shm' }), 'ERR_NDSHARE_INVALID_HANDLE', /^Expected handle format version 1 \(field 'ndshare'\) for handle but received undefined$/);
  throwsNdshare(() => attach({ ndshare: 1, backing: 'tcp', dtype: 'uint8', shape: [1] }), 'ERR_NDSHARE_INVALID_HANDLE', /for handle.backing but received the string "tcp"$/);
  throwsNdshare(() => attach({ ndshare: 1, backing: 'shm', dtype: 'uint8', shape: [1], name: '/../../etc/passwd' }), 'ERR_NDSHARE_INVALID_HANDLE', /for handle.name/);
  throwsNdshare(() => attach({ ndshare: 1, backing: 'memfd', dtype: 'uint8', shape: [1], pid: 1, fd: -3 }), 'ERR_NDSHARE_INVALID_HANDLE', /^Expected a file descriptor number for handle.fd but received number -3$/);
  throwsNdshare(() => attach({ ndshare: 1, backing: 'shm', dtype: 'complex', shape: [1], name: '/x' }), 'ERR_NDSHARE_INVALID_HANDLE', /for handle.dtype/);
  // A memfd handle that points at an fd which is not an ndshare memfd (here: this process's stdin).
  throwsNdshare(() => attach({ ndshare: 1, backing: 'memfd', dtype: 'uint8', shape: [1], pid: process.pid, fd: 0 }), 'ERR_NDSHARE_INVALID_HANDLE', /^Expected an ndshare memfd at \/proc\/self\/fd\/0 but it points to/);
});

test('ERR_NDSHARE_HANDLE_MISMATCH: handle dtype or shape differs from the header; sab too small', () => {
  const a = create({ dtype: 'float32', shape: [4, 4], backing: 'shm' });
  try {
    throwsNdshare(() => attach({ ...a.handle, dtype: 'int32' }), 'ERR_NDSHARE_HANDLE_MISMATCH', /^Expected dtype int32 \(from the handle\) for \/ndshare-.* but its header says float32$/);
    throwsNdshare(() => attach({ ...a.handle, shape: [16] }), 'ERR_NDSHARE_HANDLE_MISMATCH', /^Expected shape \(16\) \(from the handle\) .* but its header says \(4, 4\)$/);
  } finally {
    a.close();
  }
  throwsNdshare(() => attach({ ndshare: 1, backing: 'sab', buffer: new SharedArrayBuffer(8), dtype: 'float64', shape: [2] }), 'ERR_NDSHARE_HANDLE_MISMATCH', /^Expected a SharedArrayBuffer holding 16 bytes/);
  // A stale memfd handle: the array was closed and a new one of the same dtype and shape got the
  // same fd number. Without the inode check this would attach the wrong array silently.
  const first = create({ dtype: 'int32', shape: [4], backing: 'memfd', fill: 1 });
  const stale = first.handle;
  first.close();
  const second = create({ dtype: 'int32', shape: [4], backing: 'memfd', fill: 2 });
  try {
    assert.equal((second.handle as { fd: number }).fd, (stale as { fd: number }).fd, 'precondition: the fd number was reused');
    throwsNdshare(() => attach(stale), 'ERR_NDSHARE_HANDLE_MISMATCH', /^Expected memfd inode \d+ \(from the handle\) at \/proc\/self\/fd\/\d+ but it holds inode \d+: the array was closed and its fd number reused$/);
    // Negative control: the current handle attaches.
    const ok = attach<'int32'>(second.handle);
    assert.equal(ok.data[0], 2);
    ok.close();
  } finally {
    second.close();
  }
});

test('ERR_NDSHARE_BAD_HEADER: magic, version, hostile header length, malformed dict, extra key', () => {
  throwsNdshare(() => open(rawFile('empty.npy', '')), 'ERR_NDSHARE_BAD_HEADER', /^Expected a NumPy .npy header in .* but it has only 0 bytes$/);
  throwsNdshare(() => open(rawFile('text.npy', 'hello, world, not numpy')), 'ERR_NDSHARE_BAD_HEADER', /but the magic string \\x93NUMPY is missing$/);
  const v9 = headerWith("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }");
  v9[6] = 9;
  throwsNdshare(() => open(rawFile('v9.npy', v9)), 'ERR_NDSHARE_BAD_HEADER', /format version is 9.0/);
  // Version 2 with a 4 GiB header length: refused from the 12-byte prelude, nothing big is read.
  const hostile = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, 0xff, 0xff, 0xff, 0xff, 0x7b]);
  throwsNdshare(() => open(rawFile('hostile.npy', hostile)), 'ERR_NDSHARE_BAD_HEADER', /its header length is 4294967295 bytes \(ndshare reads at most 65536\)$/);
  const cases: Array<[string, RegExp]> = [
    ["{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'extra': 1, }", /header has an unsupported value|keys are/],
    ["{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'owner': 'x', }", /its keys are \{descr,fortran_order,owner,shape\}/],
    ["{'descr': '<f8', 'fortran_order': False, 'shape': (3), }", /is not a tuple/],
    ["{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", /non-negative integers/],
    ["{'descr': '<f8', 'fortran_order': 0, 'shape': (1,), }", /unsupported value/],
    ["{'descr': '<f8', 'fortran_order': False, 'shape': (1,), } trailing", /text after the dict/],
    ["{'descr': '<f8', 'descr': '<f8', 'shape': (1,), }", /repeats the key 'descr'/],
    ["{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }", /unsupported value/],
  ];
  for (const [i, [dict, why]] of cases.entries()) {
    throwsNdshare(() => open(rawFile(`bad${i}.npy`, headerWith(dict))), 'ERR_NDSHARE_BAD_HEADER', why);
  }
});

test('ERR_NDSHARE_TRUNCATED: data shorter than the shape needs, header past the end of the file', () => {
  throwsNdshare(() => open(npyFile('short.npy', '<f8', [100], 799)), 'ERR_NDSHARE_TRUNCATED', /^Expected at least 4896 bytes in .*short.npy for shape \(100\) of float64 but it has 4895 bytes$/);
  const cut = headerWith("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }").subarray(0, 40);
  throwsNdshare(() => open(rawFile('cut.npy', cut)), 'ERR_NDSHARE_TRUNCATED', /^Expected at least 128 bytes of header in .* but it has 40 bytes$/);
});

test('ERR_NDSHARE_NOT_NATIVE: big-endian dtype at create, big-endian file without convert', () => {
  throwsNdshare(() => create({ dtype: '>f8' as never, shape: [1], backing: 'heap' }), 'ERR_NDSHARE_NOT_NATIVE', /^Expected a little-endian dtype for options.dtype but received ">f8" \(big-endian\); .* use '<f8'$/);
  throwsNdshare(() => open(npyFile('big.npy', '>i4', [3], 12)), 'ERR_NDSHARE_NOT_NATIVE', /^Expected data that can be viewed in place in .*big.npy but it is big-endian \(>i4\)/);
});

test('ERR_NDSHARE_FORTRAN_ORDER: a Fortran-order file without allowFortran', () => {
  const f = join(dir, 'fortran.npy');
  const h = headerWith("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }");
  writeFileSync(f, Buffer.concat([h, Buffer.alloc(48)]));
  throwsNdshare(() => open(f), 'ERR_NDSHARE_FORTRAN_ORDER', /^Expected a C-order array in .* but it is Fortran-order; pass \{ allowFortran: true \}/);
  // Negative control: a Fortran flag on a 1-d array is the same memory as C order, so no error.
  const one = join(dir, 'fortran1d.npy');
  writeFileSync(one, Buffer.concat([headerWith("{'descr': '<f8', 'fortran_order': True, 'shape': (6,), }"), Buffer.alloc(48)]));
  const a = open(one);
  assert.equal(a.order, 'C');
  a.close();
});

test('ERR_NDSHARE_TOO_LARGE: more elements than V8 can view, refused before anything is created', () => {
  const files = readdirSync(dir).length;
  throwsNdshare(() => create({ dtype: 'uint8', shape: [5e9], backing: 'shm' }), 'ERR_NDSHARE_TOO_LARGE', /^Expected at most 4294967296 elements \(V8's TypedArray limit\) for shape but received \(5000000000\) = 5000000000 elements$/);
  throwsNdshare(() => create({ dtype: 'float64', shape: [1e5, 1e5], backing: 'memfd' }), 'ERR_NDSHARE_TOO_LARGE');
  throwsNdshare(() => create({ dtype: 'uint8', shape: [5e9], backing: 'file', path: join(dir, 'huge.npy') }), 'ERR_NDSHARE_TOO_LARGE');
  const overflow = "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999, 99999999999, 99999999999), }";
  assert.equal(existsSync(join(dir, 'huge.npy')), false, 'no file was created');
  assert.equal(readdirSync(dir).length, files);
  // A header whose shape overflows is the same refusal, by the same function.
  throwsNdshare(() => open(rawFile('overflow.npy', headerWith(overflow))), 'ERR_NDSHARE_TOO_LARGE', /for the shape in .*overflow\.npy but received \(99999999999, 99999999999, 99999999999\)/);
  assert.deepEqual(shm.addedBy(), [], 'no segment was created');
});

test('ERR_NDSHARE_NOT_SHAREABLE: a heap array has no handle and cannot be inherited', () => {
  const h = create({ dtype: 'uint8', shape: [4], backing: 'heap' });
  throwsNdshare(() => h.handle, 'ERR_NDSHARE_NOT_SHAREABLE', /^Expected a shared backing .* for handle but this array has backing 'heap'; it can only be copied$/);
  throwsNdshare(() => h.threadHandle, 'ERR_NDSHARE_NOT_SHAREABLE');
  const s = create({ dtype: 'uint8', shape: [4], backing: 'sab' });
  // Refused before anything is spawned: no child process is started.
  throwsNdshare(() => spawnWithArrays(process.execPath, ['-e', ''], [s]), 'ERR_NDSHARE_NOT_SHAREABLE', /^Expected an fd-backed array .* to inherit but received backing 'sab'$/);
});

test('ERR_NDSHARE_NOT_OWNER: an attacher may not unlink', () => {
  const a = create({ dtype: 'uint8', shape: [4], backing: 'shm' });
  const b = attach(a.handle);
  try {
    throwsNdshare(() => b.unlink(), 'ERR_NDSHARE_NOT_OWNER', /^Expected the creating process to unlink \/ndshare-.* but this NdArray was attached or opened; only the creator unlinks$/);
    assert.ok(existsSync(a.path ?? ''), 'the segment is still there');
  } finally {
    b.close();
    a.close();
  }
  assert.equal(existsSync(a.path ?? ''), false, "the creator's close removed it");
});

test("ERR_NDSHARE_PERMISSION: a segment that is group/world accessible or another user's", () => {
  const a = create({ dtype: 'uint8', shape: [4], backing: 'shm' });
  const path = a.path ?? assert.fail('no path');
  try {
    chmodSync(path, 0o644);
    throwsNdshare(() => attach(a.handle), 'ERR_NDSHARE_PERMISSION', /^Expected segment \/ndshare-.* to have mode 0600 but it has 0644/);
    chmodSync(path, 0o600);
    if (process.getuid?.() === 0) {
      chownSync(path, 65534, 65534);
      throwsNdshare(() => attach(a.handle), 'ERR_NDSHARE_PERMISSION', /^Expected segment .* to belong to uid 0 but it belongs to uid 65534/);
      chownSync(path, 0, 0);
    }
    // Negative control: restored, it attaches.
    attach(a.handle).close();
  } finally {
    a.close();
  }
});

test('ERR_NDSHARE_CLOSED: data, handle, threadHandle and flush after close', () => {
  const a = create({ dtype: 'uint8', shape: [4], backing: 'memfd' });
  a.close();
  throwsNdshare(() => a.data, 'ERR_NDSHARE_CLOSED', /^Expected an open NdArray for data but it was closed$/);
  throwsNdshare(() => a.handle, 'ERR_NDSHARE_CLOSED', /for handle but it was closed$/);
  throwsNdshare(() => a.threadHandle, 'ERR_NDSHARE_CLOSED');
  throwsNdshare(() => a.flush(), 'ERR_NDSHARE_CLOSED');
  throwsNdshare(() => spawnWithArrays(process.execPath, ['-e', ''], [a]), 'ERR_NDSHARE_CLOSED', /^Expected open arrays for inheritance but one was closed$/);
});

test('ERR_NDSHARE_NO_INHERITED: inheritedArrays() in a process that inherited nothing', () => {
  throwsNdshare(() => inheritedArrays(), 'ERR_NDSHARE_NO_INHERITED', /^Expected arrays inherited from a parent \(NDSHARE_INHERIT set by spawnWithArrays or forkWithArrays\) but there are none$/);
});

test('ERR_NDSHARE_UNSUPPORTED: a thread handle cannot be read-only', () => {
  const s = create({ dtype: 'uint8', shape: [4], backing: 'sab' });
  throwsNdshare(() => attach(s.threadHandle, { mode: 'r' }), 'ERR_NDSHARE_UNSUPPORTED');
});

test('ENOENT: a missing segment, a missing file, a memfd whose process is gone', () => {
  const e = throwsNdshare(() => attach({ ndshare: 1, backing: 'shm', dtype: 'uint8', shape: [1], name: '/ndshare-1-00000000000000000000000000000000' }), 'ENOENT', /^Failed to attach shm segment \/ndshare-1-0+: ENOENT \(shm_open\)/);
  assert.equal(e.syscall, 'shm_open');
  throwsNdshare(() => open(join(dir, 'nope.npy')), 'ENOENT', /^Failed to open: ENOENT \(open\) on .*nope.npy/);
  // pid 2^22+1 is above Linux's pid_max ceiling, so no such process can exist.
  throwsNdshare(() => attach({ ndshare: 1, backing: 'memfd', dtype: 'uint8', shape: [1], pid: 4194305, fd: 3 }), 'ENOENT', /^Failed to attach memfd 3 of process 4194305/);
  // After the creator closes, the name is gone.
  const a = create({ dtype: 'uint8', shape: [1], backing: 'shm' });
  const h = a.handle;
  a.close();
  throwsNdshare(() => attach(h), 'ENOENT');
});

test('EEXIST: create never overwrites an existing file', () => {
  const p = rawFile('existing.npy', 'keep me');
  throwsNdshare(() => create({ dtype: 'uint8', shape: [1], backing: 'file', path: p }), 'EEXIST', /^Failed to create the file: EEXIST \(open\) on .*existing.npy/);
});

test('ELOOP: create refuses a path that is a symbolic link (dangling or not)', () => {
  const target = join(dir, 'target.npy');
  const link = join(dir, 'link.npy');
  symlinkSync(target, link);
  throwsNdshare(() => create({ dtype: 'uint8', shape: [1], backing: 'file', path: link }), 'ELOOP', /^Failed to create the file: ELOOP \(open\) on .*link.npy. The path is a symbolic link/);
  assert.equal(existsSync(target), false, 'nothing was created through the link');
});

// 32 GB can only fail to allocate on a machine with clearly less memory and heuristic overcommit.
const kCannotAllocate32GB = totalmem() < 28e9 && readFileSync('/proc/sys/vm/overcommit_memory', 'utf8').trim() !== '1';

test('ENOMEM: a heap or sab array larger than memory is an NdshareError, not a RangeError', { skip: kCannotAllocate32GB ? false : 'this machine could allocate 32 GB' }, () => {
  throwsNdshare(() => create({ dtype: 'float64', shape: [4e9], backing: 'heap' }), 'ENOMEM', /^Failed to allocate 32000000000 bytes for a 'heap' array: ENOMEM/);
  throwsNdshare(() => create({ dtype: 'float64', shape: [4e9], backing: 'sab' }), 'ENOMEM', /^Failed to allocate 32000000000 bytes for a 'sab' array: ENOMEM/);
});
