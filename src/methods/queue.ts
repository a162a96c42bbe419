/**
 * `queue`: the study's multiprocessing.Queue (which pickles the array into its pipe). Processes:
 * Node's IPC channel with `serialization: 'advanced'` (the v8 serializer): a header message, then
 * the bytes as Uint8Array messages of `chunkBytes` (default 256 KiB), up to kInFlight of them
 * queued in the channel at once. Small chunks keep every buffer the serializer and the channel
 * allocate small and reused: one 800 MB message (the old default of 1 GiB chunks) costs a growing
 * 800 MB serializer buffer, 12,000 read buffers joined into one and fresh pages for each, about
 * twice the CPU of 256 KiB chunks (docs/benchmark.md, "Copying methods"). One message must stay
 * under 2 GiB on Node 20 (a larger one breaks the receiver).
 * Threads: postMessage on the worker's MessagePort, each chunk (default 1 GiB) copied once and
 * transferred.
 */
import { NdshareError } from '../errors.js';
import type { NdArray } from '../core/ndarray.js';
import type { ChildContext, Method } from './types.js';
import { bytesOf, checkHeader, chunkBytesOf, chunkCountOf, kDefaultQueueChunkBytes, kDefaultQueueThreadChunkBytes, destinationArray } from './common.js';

/** Serialized chunks queued in the IPC channel at once (the serializer overlaps the kernel's copy). */
const kInFlight = 4;

/** What the parent sends first: the array's header and how many bytes follow. */
interface QueueStart {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly chunks: number;
}

/** Receives a header then `chunks` byte chunks in order, into a heap array. */
async function collect(ctx: ChildContext): Promise<NdArray> {
  const first = await ctx.nextData();
  const h = checkHeader(first, 'queue header');
  const chunks = chunkCountOf(first, 'queue header');
  const array = destinationArray(h.dtype, h.shape);
  const dest = bytesOf(array);
  let offset = 0;
  for (let i = 0; i < chunks; i++) {
    const bytes = await ctx.nextData();
    if (!(bytes instanceof Uint8Array) || offset + bytes.length > dest.length) {
      throw new NdshareError('ERR_NDSHARE_PROTOCOL', `Expected chunk ${i} of ${chunks} as bytes within ${dest.length} bytes but received something else`);
    }
    dest.set(bytes, offset);
    offset += bytes.length;
  }
  if (offset !== dest.length) throw new NdshareError('ERR_NDSHARE_TRUNCATED', `Expected ${dest.length} bytes over the queue but received ${offset}`);
  return array;
}

function chunking(array: NdArray, chunkBytes: number): { start: QueueStart; bytes: Uint8Array } {
  const bytes = bytesOf(array);
  return { start: { dtype: array.dtype, shape: [...array.shape], chunks: Math.ceil(bytes.length / chunkBytes) }, bytes };
}

export const queue: Method = {
  planProcess: async (array, params) => {
    const chunk = chunkBytesOf(params, kDefaultQueueChunkBytes);
    const { start, bytes } = chunking(array, chunk);
    return {
      params: null,
      serialization: 'advanced',
      extraStdio: [],
      inherit: [],
      dispose: async () => {},
      start: async (io) => {
        await io.send(start);
        // The serializer copies a view's bytes only (not its whole buffer). Up to kInFlight
        // serialized chunks wait in the channel's write queue, so the serializer works while the
        // kernel copies the previous ones; no more, so memory stays bounded.
        const inFlight: Array<Promise<void>> = [];
        for (let off = 0; off < bytes.length; off += chunk) {
          if (inFlight.length === kInFlight) await inFlight.shift();
          const sent = io.send(bytes.subarray(off, Math.min(off + chunk, bytes.length)));
          // Handled here, reported when awaited: a failed send must not be an unhandled rejection.
          sent.catch(() => {});
          inFlight.push(sent);
        }
        await Promise.all(inFlight);
      },
    };
  },
  planThread: async (array, params) => {
    const chunk = chunkBytesOf(params, kDefaultQueueThreadChunkBytes);
    const { start, bytes } = chunking(array, chunk);
    return {
      params: null,
      transferList: [],
      dispose: async () => {},
      start: async (io) => {
        io.post(start);
        for (let off = 0; off < bytes.length; off += chunk) {
          // Cloning a view clones its whole buffer; copy the chunk once and move that copy.
          const copy = bytes.slice(off, Math.min(off + chunk, bytes.length));
          io.post(copy, [copy.buffer]);
        }
      },
    };
  },
  receive: async (ctx) => ({ form: 'array', array: await collect(ctx), locked: null }),
};
