/**
 * `argument`: the array is the child's start argument, serialized into it at start. This is what
 * Python's spawn start method does with a Process's args (pickled and written to the child's pipe
 * before it runs). argv cannot carry it: Linux caps one argv or env string at 128 KiB
 * (MAX_ARG_STRLEN) and all of them together at ARG_MAX (2 MiB here), while 1e8 float64 is 800 MB.
 * So the v8-serialized start argument travels on an extra stdio socketpair and is deserialized
 * before `receive()` returns. Threads get it as `workerData` (structured clone).
 */
import { deserialize, serialize } from 'node:v8';
import { NdshareError } from '../errors.js';
import type { AnyTypedArray } from '../core/dtype.js';
import type { NdArray } from '../core/ndarray.js';
import type { Method } from './types.js';
import { checkHeader, heapArray } from './common.js';
import { readInto } from './fd-reader.js';

const kLengthBytes = 8;

/** The start argument: dtype, shape and a private copy of the elements. */
function startArgument(array: NdArray): { dtype: string; shape: number[]; data: AnyTypedArray } {
  const d = array.data;
  // A view over shared memory would be shared, not copied, by structured clone: copy it first.
  const data = d.buffer instanceof SharedArrayBuffer || d.byteLength !== d.buffer.byteLength ? (d.slice() as AnyTypedArray) : d;
  return { dtype: array.dtype, shape: [...array.shape], data };
}

function toArray(value: unknown, what: string): NdArray {
  const h = checkHeader(value, what);
  const data = (value as { data?: unknown }).data;
  if (!ArrayBuffer.isView(data) || data.byteLength !== h.nbytes || !(data.buffer instanceof ArrayBuffer)) {
    throw new NdshareError('ERR_NDSHARE_PROTOCOL', `Expected ${h.nbytes} bytes of ${h.dtype} data in ${what} but received something else`);
  }
  return heapArray(h.dtype, h.shape, data.buffer, data.byteOffset);
}

export const argument: Method = {
  planProcess: async (array) => {
    const blob = serialize(startArgument(array));
    const length = Buffer.alloc(kLengthBytes);
    length.writeBigUInt64LE(BigInt(blob.length));
    return {
      params: null,
      serialization: 'json',
      extraStdio: ['pipe'],
      inherit: [],
      dispose: async () => {},
      start: (io) =>
        new Promise<void>((resolve, reject) => {
          const stream = io.stream(0);
          stream.once('error', reject);
          stream.write(length);
          stream.end(blob, () => resolve());
        }),
    };
  },
  planThread: async (array) => ({ params: startArgument(array), transferList: [], start: async () => {}, dispose: async () => {} }),
  receive: async (ctx) => {
    if (ctx.kind === 'thread') return { form: 'array', array: toArray(ctx.params, 'workerData'), locked: null };
    const fd = ctx.fds[0];
    if (fd === undefined) throw new NdshareError('ERR_NDSHARE_PROTOCOL', 'Expected a start-argument fd for method argument but received none');
    const length = new Uint8Array(kLengthBytes);
    let blob: Buffer | null = null;
    await readInto(
      fd,
      length,
      (filled) => {
        if (filled !== length) return null;
        const n = Number(Buffer.from(length.buffer).readBigUInt64LE(0));
        if (!Number.isSafeInteger(n) || n > 2 ** 32) throw new NdshareError('ERR_NDSHARE_PROTOCOL', `Expected a start argument of at most 4 GiB but received a length of ${n}`);
        blob = Buffer.allocUnsafe(n);
        return blob;
      },
      'the start-argument pipe',
    );
    if (blob === null) throw new NdshareError('ERR_NDSHARE_PROTOCOL', 'Expected a start argument but the pipe ended first');
    return { form: 'array', array: toArray(deserialize(blob), 'the start argument'), locked: null };
  },
};
