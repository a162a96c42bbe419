/**
 * attach(h, { prefault: true }), open(path, { prefault: true }) and receive({ prefault: true })
 * map every page up front and change nothing else: the data read back is the data written, in
 * every mode ('c' stays copy-on-write: a write after the prefault does not reach the segment), on
 * shm, memfd-in-thread and file arrays, and in a child process that receives the array. A value
 * that is not a boolean is refused before anything is mapped.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { attach, create, open, share, type NdArray } from '../src/index.js';
import { throwsNdshare } from './helpers/errors.js';
import { watchdog } from './helpers/methods.js';
import { ShmSnapshot } from './helpers/shm.js';

const kCount = 3 * 1024 * 1024 + 5; // 24 MB of float64: several pages, one thread

function pattern(a: NdArray<'float64'>): void {
  const d = a.data;
  for (let i = 0; i < d.length; i++) d[i] = i * 0.5;
}

function checkPattern(a: NdArray, what: string): void {
  const d = a.data as Float64Array;
  assert.equal(d.length, kCount, what);
  for (let i = 0; i < d.length; i += 4099) if (d[i] !== i * 0.5) assert.fail(`${what}: [${i}] is ${d[i]}`);
  assert.equal(d[kCount - 1], (kCount - 1) * 0.5, `${what}: last element`);
}

test('attach with prefault: the same data in every mode, and mode c stays private', () => {
  const shm = new ShmSnapshot();
  const a = create({ dtype: 'float64', shape: [kCount] });
  try {
    pattern(a);
    for (const mode of ['r+', 'r', 'c'] as const) {
      const b = attach(a.handle, { mode, prefault: true });
      checkPattern(b, `mode ${mode}`);
      if (mode === 'c') {
        b.data[0] = 42;
        assert.equal(a.data[0], 0, 'a copy-on-write view keeps its writes after a prefault');
      }
      b.close();
    }
    const same = attach(a.handle, { prefault: false });
    checkPattern(same, 'prefault false');
    same.close();
    // In a thread's own process the 'sab' and memfd thread handles go through the same option.
    const t = attach(a.threadHandle, { prefault: true });
    checkPattern(t, 'thread handle');
    t.close();
  } finally {
    a.close();
    assert.deepEqual(shm.addedBy(), []);
  }
});

test('open with prefault: a file array reads back whole', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-prefault-'));
  try {
    const path = join(dir, 'a.npy');
    const a = create({ dtype: 'float64', shape: [kCount], backing: 'file', path });
    pattern(a);
    a.close();
    const b = open(path, { mode: 'r', prefault: true });
    checkPattern(b, 'open');
    b.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('prefault must be a boolean: attach and open refuse anything else before mapping', async () => {
  const shm = new ShmSnapshot();
  const a = create({ dtype: 'float64', shape: [4] });
  try {
    for (const bad of ['yes', 1, null] as const) {
      throwsNdshare(() => attach(a.handle, { prefault: bad as never }), 'ERR_NDSHARE_INVALID_ARGUMENT', /^Expected a boolean for options\.prefault but received /);
      throwsNdshare(() => open('/nonexistent/x.npy', { prefault: bad as never }), 'ERR_NDSHARE_INVALID_ARGUMENT', /^Expected a boolean for options\.prefault but received /);
    }
  } finally {
    a.close();
    assert.deepEqual(shm.addedBy(), []);
  }
});

test('receive({ prefault: true }) in a child process: the child sums what the parent wrote', async () => {
  const shm = new ShmSnapshot();
  const a = create({ dtype: 'float64', shape: [kCount] });
  try {
    pattern(a);
    const peer = await share(a, { method: 'shm', entry: new URL('./fixtures/core-prefault-child.js', import.meta.url) });
    try {
      const reply = (await watchdog(peer.reply(), 'the prefaulting child')) as { sum: number; last: number };
      let sum = 0;
      for (let i = 0; i < kCount; i++) sum += i * 0.5;
      assert.equal(reply.sum, sum);
      assert.equal(reply.last, (kCount - 1) * 0.5);
    } finally {
      await watchdog(peer.close(), 'the prefaulting child to exit');
    }
  } finally {
    a.close();
    assert.deepEqual(shm.addedBy(), []);
  }
});
