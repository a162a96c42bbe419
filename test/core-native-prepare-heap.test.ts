/**
 * native prepareHeap (MADV_HUGEPAGE + MADV_POPULATE_WRITE on a heap ArrayBuffer about to be
 * filled) is advice only: the bytes under it are unchanged (zeros of a new buffer, data already
 * written), a view too small to hold a whole page is left alone, and anything but a Uint8Array over
 * an ArrayBuffer is a TypeError. With populate false it only advises: no page is mapped (the
 * manager server's build, which must keep answering while it fills).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { native } from '../src/core/native.js';

test('prepareHeap: advice that changes no byte, for heap Uint8Arrays only', () => {
  const n = native();
  const fresh = new Uint8Array(16 * 1024 * 1024 + 123);
  assert.equal(typeof n.prepareHeap(fresh.subarray(7)), 'boolean');
  assert.ok(fresh.every((b) => b === 0));
  const filled = new Uint8Array(8 * 1024 * 1024);
  for (let i = 0; i < filled.length; i++) filled[i] = (i * 31) & 0xff;
  n.prepareHeap(filled);
  assert.ok(filled.every((b, i) => b === ((i * 31) & 0xff)));
  assert.equal(n.prepareHeap(new Uint8Array(100)), false);
  assert.throws(() => n.prepareHeap(new Uint8Array(new SharedArrayBuffer(8192))), TypeError);
  assert.throws(() => n.prepareHeap(new Float64Array(1024) as unknown as Uint8Array), TypeError);
});

test('prepareHeap(view, false): huge-page advice only, no page mapped until written', () => {
  const n = native();
  const bytes = 64 * 1024 * 1024;
  const rssMiB = (): number => process.memoryUsage().rss / 2 ** 20;
  const advised = new Uint8Array(bytes);
  const before = rssMiB();
  assert.equal(n.prepareHeap(advised, false), false);
  const afterAdvice = rssMiB();
  // Populating the same size maps all of it: the difference is the whole 64 MiB, not noise.
  const populated = new Uint8Array(bytes);
  const populatedOk = n.prepareHeap(populated, true);
  const afterPopulate = rssMiB();
  assert.ok(afterAdvice - before < 16, `advice alone mapped ${(afterAdvice - before).toFixed(1)} MiB`);
  if (populatedOk) assert.ok(afterPopulate - afterAdvice > 48, `populate mapped only ${(afterPopulate - afterAdvice).toFixed(1)} MiB`);
  assert.ok(advised.every((b) => b === 0) && populated.every((b) => b === 0));
  // A second argument that is not a boolean keeps the default (populate).
  assert.equal(typeof n.prepareHeap(new Uint8Array(8192), 'no' as unknown as boolean), 'boolean');
});
