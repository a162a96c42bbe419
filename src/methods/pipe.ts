/**
 * `pipe`: raw bytes over a socketpair stdio pipe. A small header (magic, length, JSON dtype and
 * shape) comes first; then the child's kernel reads go straight into the destination array.
 */
import { NdshareError } from '../errors.js';
import type { Writable } from 'node:stream';
import type { NdArray } from '../core/ndarray.js';
import type { Method } from './types.js';
import { bytesOf, checkHeader, chunkBytesOf } from './common.js';
import { readFramedArray } from './fd-reader.js';

/** "NDPI": guards against a stream that is not ours. */
const kPipeMagic = 0x4e445049;
const kPrefixBytes = 8;
const kMaxHeaderJson = 64 * 1024;
/** Bytes per write: large enough that syscall count does not matter, small enough to interleave. */
const kDefaultPipeChunk = 64 * 1024 * 1024;

export const pipe: Method = {
  planProcess: async (array, params) => {
    const chunk = chunkBytesOf(params, kDefaultPipeChunk);
    return {
      params: null,
      serialization: 'json',
      extraStdio: ['pipe'],
      inherit: [],
      dispose: async () => {},
      start: (io) => sendPipe(io.stream(0), array, chunk),
    };
  },
  receive: async (ctx) => {
    const fd = ctx.fds[0];
    if (fd === undefined) throw new NdshareError('ERR_NDSHARE_PROTOCOL', 'Expected a pipe fd for method pipe but received none');
    return { form: 'array', array: await receivePipe(fd), locked: null };
  },
};

/** Writes the header and the array's bytes (views of its memory, no copy), then ends the stream. */
export function sendPipe(stream: Writable, array: NdArray, chunk = kDefaultPipeChunk): Promise<void> {
  const json = Buffer.from(JSON.stringify({ dtype: array.dtype, shape: array.shape }));
  const prefix = Buffer.alloc(kPrefixBytes);
  prefix.writeUInt32LE(kPipeMagic, 0);
  prefix.writeUInt32LE(json.length, 4);
  const bytes = bytesOf(array);
  return new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.write(Buffer.concat([prefix, json]));
    for (let off = 0; off < bytes.length; off += chunk) stream.write(bytes.subarray(off, Math.min(off + chunk, bytes.length)));
    stream.end(() => resolve());
  });
}

/** Reads a header and then the bytes straight into a new heap array; takes ownership of `fd`. */
export function receivePipe(fd: number): Promise<NdArray> {
  return readFramedArray(fd, {
    magic: kPipeMagic,
    maxHeaderBytes: kMaxHeaderJson,
    name: 'pipe',
    missing: 'a pipe header',
    channel: 'the pipe',
    decode(header) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.from(header).toString('utf8'));
      } catch {
        throw new NdshareError('ERR_NDSHARE_PROTOCOL', 'Expected a JSON pipe header but received unparsable text');
      }
      return checkHeader(parsed, 'pipe header');
    },
  });
}
