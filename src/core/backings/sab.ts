/**
 * 'sab': a SharedArrayBuffer, shared by the threads of one process. Its handle carries the buffer
 * itself (post it, do not stringify it). Every shared backing also offers a thread handle of this
 * kind (`NdArray.threadHandle`), which this module attaches.
 */
import { NdshareError } from '../../errors.js';
import { dtypeInfo, type DType } from '../dtype.js';
import type { SabHandle } from '../handle.js';
import { threadHandleOf, wrap, type BackingOps, type NdArray } from '../ndarray.js';
import { sizeOf, type Mode } from '../validate.js';
import { allocate, fillArray } from './heap.js';
import type { CreateRequest } from './request.js';

export const sabOps: BackingOps = { name: 'sab', handle: threadHandleOf, closeRemovesName: false };

export function createSab<D extends DType>(req: CreateRequest): NdArray<D> {
  const buffer = allocate((n) => new SharedArrayBuffer(n), req.nbytes, 'sab');
  const array = wrap<D>({ ops: sabOps, info: req.info, shape: req.shape, buffer, owner: true });
  fillArray(array, req.fill);
  return array;
}

export function attachSab<D extends DType>(h: SabHandle, mode: Mode): NdArray<D> {
  const info = dtypeInfo(h.dtype);
  const { nbytes } = sizeOf(h.shape, info);
  if (h.byteOffset % info.itemsize !== 0 || h.byteOffset + nbytes > h.buffer.byteLength) {
    throw new NdshareError(
      'ERR_NDSHARE_HANDLE_MISMATCH',
      `Expected a SharedArrayBuffer holding ${nbytes} bytes at offset ${h.byteOffset} (aligned to ${info.itemsize}) but it has ${h.buffer.byteLength} bytes`,
    );
  }
  // A SharedArrayBuffer cannot be made read-only, so 'r' could only be a promise that a write
  // through this view would break: refuse it rather than let writes reach the other threads.
  if (mode === 'r') {
    throw new NdshareError(
      'ERR_NDSHARE_UNSUPPORTED',
      "Expected mode 'r+' or 'c' for a thread handle (backing 'sab') but received 'r': a SharedArrayBuffer cannot be mapped read-only; " +
        "use 'c' for a private copy, or attach the process handle (shm, memfd, file) with mode 'r'",
    );
  }
  // 'c' gets a private copy.
  const buffer = mode === 'c' ? copyOf(h.buffer, h.byteOffset, nbytes) : h.buffer;
  const byteOffset = mode === 'c' ? 0 : h.byteOffset;
  return wrap<D>({ ops: sabOps, info, shape: h.shape, order: h.order ?? 'C', mode, buffer, byteOffset });
}

function copyOf(src: SharedArrayBuffer, offset: number, nbytes: number): SharedArrayBuffer {
  const out = new SharedArrayBuffer(nbytes);
  new Uint8Array(out).set(new Uint8Array(src, offset, nbytes));
  return out;
}
