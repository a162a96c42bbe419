/** 'heap': an ordinary ArrayBuffer of this thread. Nothing to share by handle; methods copy it. */
import { NdshareError } from '../../errors.js';
import { wrap, type BackingOps, type NdArray } from '../ndarray.js';
import type { DType } from '../dtype.js';
import type { CreateRequest } from './request.js';

export const heapOps: BackingOps = {
  name: 'heap',
  handle: () => {
    throw new NdshareError(
      'ERR_NDSHARE_NOT_SHAREABLE',
      "Expected a shared backing ('shm', 'memfd', 'file' or 'sab') for handle but this array has backing 'heap'; it can only be copied",
    );
  },
  closeRemovesName: false,
};

/** Allocates, turning V8's RangeError into the errno-style error users branch on. */
export function allocate<T extends ArrayBuffer | SharedArrayBuffer>(make: (n: number) => T, nbytes: number, backing: string): T {
  try {
    return make(nbytes);
  } catch (err) {
    throw new NdshareError('ENOMEM', `Failed to allocate ${nbytes} bytes for a '${backing}' array: ENOMEM. Not enough memory to map the array`, { cause: err });
  }
}

/** Fills a fresh in-memory array (fd-backed arrays are filled through their fd instead). */
export function fillArray(array: NdArray, fill: number | bigint | undefined): void {
  if (fill !== undefined) (array.data as { fill(v: number | bigint): unknown }).fill(fill);
}

export function createHeap<D extends DType>(req: CreateRequest): NdArray<D> {
  const buffer = allocate((n) => new ArrayBuffer(n), req.nbytes, 'heap');
  const array = wrap<D>({ ops: heapOps, info: req.info, shape: req.shape, buffer, owner: true });
  fillArray(array, req.fill);
  return array;
}
