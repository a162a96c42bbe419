/**
 * native prepareHeap (MADV_HUGEPAGE + MADV_POPULATE_WRITE on a heap ArrayBuffer about to be
 * filled) is advice only: the bytes under it are unchanged (zeros of a new buffer, data already
 * written), a view too small to hold a whole page is left alone, and anything but a Uint8Array over
 * an ArrayBuffer is a TypeError.
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
