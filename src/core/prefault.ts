/**
 * The `prefault` option of attach(), open() and receive(): map every page of an array up front,
 * for a reader that will visit every element, split over the cores like the fills (fill.ts).
 */
import { fromSystemError, invalid } from '../errors.js';
import { threadsFor } from './fill.js';
import { native } from './native.js';
import type { NdArray } from './ndarray.js';

/**
 * Maps every page under `view` into this process for reading now (MADV_POPULATE_READ, Linux 5.14;
 * older kernels read one byte per page), one thread per core for large views, so that a reader
 * that visits every element takes no page fault per 4 KiB. A view over a non-shared ArrayBuffer
 * (a heap copy, already written by this process) has nothing to prefault.
 */
export function prefaultView(view: Uint8Array): void {
  if (view.byteLength === 0 || !(view.buffer instanceof SharedArrayBuffer)) return;
  native().prefault(view, threadsFor(view.byteLength));
}

/** `options.prefault`: a boolean, default false. */
export function checkPrefault(value: unknown, what = 'options.prefault'): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'a boolean', what, value);
  return value;
}

/** Maps every page of the array's memory now (see AttachOptions.prefault); closes it if that fails. */
export function prefaultArray(array: NdArray): void {
  if (array.nbytes === 0) return;
  const d = array.data as unknown as { buffer: ArrayBufferLike; byteOffset: number };
  try {
    prefaultView(new Uint8Array(d.buffer, d.byteOffset, array.nbytes));
  } catch (err) {
    array.close();
    throw fromSystemError(err, 'prefault the pages of an array');
  }
}
