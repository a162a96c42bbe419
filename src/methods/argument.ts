/**
 * `argument`: the array is the child's start argument, written into it at start. This is what
 * Python's spawn start method does with a Process's args (pickled and written to the child's pipe
 * before it runs). argv cannot carry it: Linux caps one argv or env string at 128 KiB
 * (MAX_ARG_STRLEN) and all of them together at ARG_MAX (2 MiB here), while 1e8 float64 is 800 MB.
 * So the start argument travels on an extra stdio socketpair: a v8-serialized header (dtype,
 * shape) and then the elements' raw bytes, which the child reads straight into its new array
 * before `receive()` returns. Serializing the elements too would copy them three more times (the
 * serializer's growing buffer, the deserializer's new ArrayBuffer) and ran at a fifth of the
 * socket's speed. Threads get it as `workerData` (structured clone).
 */
import { deserialize, serialize } from 'node:v8';
import { NdshareError } from '../errors.js';
import type { AnyTypedArray } from '../core/dtype.js';
import type { NdArray } from '../core/ndarray.js';
import type { Method } from './types.js';
import { bytesOf, checkHeader, heapArray } from './common.js';
import { readFramedArray } from './fd-reader.js';

/** "NDAR": guards against a stream that is not ours. */
const kArgumentMagic = 0x5241444e;
/** u32 magic | u32 length of the serialized header. */
const kPrefixBytes = 8;
const kMaxHeaderBytes = 64 * 1024;
/** Bytes per write of the elements (views of the array, no copy). */
const kWriteChunk = 64 * 1024 * 1024;

/** The thread's start argument: dtype, shape and a private copy of the elements. */
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

/** The bytes that go before the elements: prefix and the v8-serialized { dtype, shape, nbytes }. */
function headerBytes(array: NdArray): Buffer {
  const header = serialize({ dtype: array.dtype, shape: [...array.shape], nbytes: array.nbytes });
  const prefix = Buffer.alloc(kPrefixBytes);
  prefix.writeUInt32LE(kArgumentMagic, 0);
  prefix.writeUInt32LE(header.length, 4);
  return Buffer.concat([prefix, header]);
}

/** Reads the header, then the elements straight into a new heap array; takes ownership of `fd`. */
function readArgument(fd: number): Promise<NdArray> {
  return readFramedArray(fd, {
    magic: kArgumentMagic,
    maxHeaderBytes: kMaxHeaderBytes,
    name: 'start-argument',
    missing: 'a start argument',
    channel: 'the start-argument pipe',
    decode(header) {
      let parsed: unknown;
      try {
        parsed = deserialize(header);
      } catch {
        throw new NdshareError('ERR_NDSHARE_PROTOCOL', 'Expected a v8-serialized start-argument header but received bytes it cannot read');
      }
      const h = checkHeader(parsed, 'the start argument');
      if ((parsed as { nbytes?: unknown }).nbytes !== h.nbytes) {
        throw new NdshareError('ERR_NDSHARE_PROTOCOL', `Expected the start argument to announce ${h.nbytes} bytes for its dtype and shape but it announced ${String((parsed as { nbytes?: unknown }).nbytes)}`);
      }
      return h;
    },
  });
}

export const argument: Method = {
  planProcess: async (array) => {
    const head = headerBytes(array);
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
          stream.write(head);
          // Views of the array's memory: the kernel copies them into the socket, once.
          const bytes = bytesOf(array);
          for (let off = 0; off < bytes.length; off += kWriteChunk) stream.write(bytes.subarray(off, Math.min(off + kWriteChunk, bytes.length)));
          stream.end(() => resolve());
        }),
    };
  },
  planThread: async (array) => ({ params: startArgument(array), transferList: [], start: async () => {}, dispose: async () => {} }),
  receive: async (ctx) => {
    if (ctx.kind === 'thread') return { form: 'array', array: toArray(ctx.params, 'workerData'), locked: null };
    const fd = ctx.fds[0];
    if (fd === undefined) throw new NdshareError('ERR_NDSHARE_PROTOCOL', 'Expected a start-argument fd for method argument but received none');
    return { form: 'array', array: await readArgument(fd), locked: null };
  },
};
