/**
 * `transfer`: the ArrayBuffer moves to the worker (transfer list): zero-copy, and the parent's
 * buffer is detached (its views read as length 0). Processes cannot take a transfer.
 */
import { stateOf } from '../core/ndarray.js';
import { NdshareError } from '../errors.js';
import type { Method } from './types.js';
import { checkHeader, heapArray } from './common.js';

export const transfer: Method = {
  planThread: async (array) => {
    const s = stateOf(array);
    if (!(s.buffer instanceof ArrayBuffer)) throw new NdshareError('ERR_NDSHARE_UNSUPPORTED', "Expected a heap ArrayBuffer to transfer but received a SharedArrayBuffer; share it with 'sab' instead");
    const params = { dtype: array.dtype, shape: [...array.shape], buffer: s.buffer, byteOffset: s.byteOffset };
    return { params, transferList: [s.buffer], start: async () => {}, dispose: async () => {} };
  },
  receive: async (ctx) => {
    const h = checkHeader(ctx.params, 'transfer params');
    const p = ctx.params as { buffer: unknown; byteOffset: unknown };
    if (!(p.buffer instanceof ArrayBuffer) || typeof p.byteOffset !== 'number') throw new NdshareError('ERR_NDSHARE_PROTOCOL', 'Expected a transferred ArrayBuffer in the worker data but received something else');
    return { form: 'array', array: heapArray(h.dtype, h.shape, p.buffer, p.byteOffset), locked: null };
  },
};
