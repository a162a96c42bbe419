/**
 * `queue-json`: the naive default, IPC with `serialization: 'json'`. One message is one V8 string
 * (at most 2^29 - 24 characters), which 1e8 float64 exceed about 3.5 times over; the data goes in
 * chunks sized from the worst-case text of an element, and a chunk that could still exceed the
 * limit is refused with ERR_NDSHARE_TOO_LARGE before anything is sent.
 */
import { NdshareError } from '../errors.js';
import { create } from '../core/create.js';
import { dtypeInfo, type AnyTypedArray, type DType } from '../core/dtype.js';
import type { NdArray } from '../core/ndarray.js';
import type { Method, MethodParams } from './types.js';
import { checkHeader, chunkCountOf } from './common.js';

/** V8's longest string on 64-bit (Node 20). */
export const kMaxStringChars = 2 ** 29 - 24;
/** Room for the message envelope around the values. */
const kEnvelopeChars = 256;

/** Longest JSON text of one element plus its comma (64-bit integers travel as quoted strings). */
function charsPerElement(dtype: DType): number {
  switch (dtype) {
    case 'float32':
    case 'float64':
      return 26; // "-2.2250738585072014e-308", or the quoted "-Infinity"
    case 'int64':
    case 'uint64':
      return 23;
    case 'int32':
    case 'uint32':
      return 12;
    case 'int16':
    case 'uint16':
      return 7;
    default:
      return 5;
  }
}

/** Elements per message, checked against the string limit. */
function elementsPerChunk(array: NdArray, params: MethodParams): number {
  const limit = params.maxMessageChars ?? kMaxStringChars;
  const per = charsPerElement(array.dtype);
  const itemsize = dtypeInfo(array.dtype).itemsize;
  const fitting = Math.floor((limit - kEnvelopeChars) / per);
  const chunkBytes = params.chunkBytes;
  if (chunkBytes === undefined) {
    if (fitting < 1) throw new NdshareError('ERR_NDSHARE_TOO_LARGE', `Expected room for at least one element per JSON message but maxMessageChars is ${limit}`);
    return fitting;
  }
  if (typeof chunkBytes !== 'number' || !Number.isSafeInteger(chunkBytes) || chunkBytes < itemsize) {
    throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', `Expected at least ${itemsize} bytes (one ${array.dtype}) for options.chunkBytes but received ${String(chunkBytes)}`);
  }
  const wanted = Math.floor(chunkBytes / itemsize);
  const elements = Math.min(wanted, Math.max(array.size, 1));
  if (elements > fitting) {
    throw new NdshareError(
      'ERR_NDSHARE_TOO_LARGE',
      `Expected a JSON message of at most ${limit} characters (V8's string limit) for method queue-json but a chunk of ${elements} ${array.dtype} elements may take ${elements * per + kEnvelopeChars}; use chunkBytes <= ${fitting * itemsize} or a binary method (pipe, queue)`,
    );
  }
  return wanted;
}

/** JSON loses NaN, Infinity and 64-bit integers: send those as strings. */
function encode(data: AnyTypedArray, from: number, to: number): Array<number | string> {
  const out = new Array<number | string>(to - from);
  for (let i = from; i < to; i++) {
    const v = data[i] as number | bigint;
    out[i - from] = typeof v === 'bigint' ? v.toString() : Number.isFinite(v) ? v : String(v);
  }
  return out;
}

function decode(values: unknown, into: AnyTypedArray, at: number): number {
  if (!Array.isArray(values) || at + values.length > into.length) throw new NdshareError('ERR_NDSHARE_PROTOCOL', 'Expected a JSON array of element values within the array but received something else');
  const big = into instanceof BigInt64Array || into instanceof BigUint64Array;
  for (let i = 0; i < values.length; i++) {
    const v: unknown = values[i];
    if (typeof v !== 'number' && typeof v !== 'string') throw new NdshareError('ERR_NDSHARE_PROTOCOL', `Expected a number or a numeric string at element ${at + i} but received ${typeof v}`);
    if (big) (into as BigInt64Array)[at + i] = BigInt(v);
    else (into as Float64Array)[at + i] = Number(v);
  }
  return values.length;
}

export const queueJson: Method = {
  planProcess: async (array, params) => {
    const per = elementsPerChunk(array, params);
    const data = array.data;
    const chunks = Math.ceil(array.size / per);
    return {
      params: null,
      serialization: 'json',
      extraStdio: [],
      inherit: [],
      dispose: async () => {},
      start: async (io) => {
        await io.send({ dtype: array.dtype, shape: [...array.shape], chunks });
        for (let i = 0; i < chunks; i++) await io.send(encode(data, i * per, Math.min((i + 1) * per, array.size)));
      },
    };
  },
  receive: async (ctx) => {
    const first = await ctx.nextData();
    const h = checkHeader(first, 'queue-json header');
    const chunks = chunkCountOf(first, 'queue-json header');
    const array = create({ dtype: h.dtype, shape: h.shape, backing: 'heap' });
    let at = 0;
    for (let i = 0; i < chunks; i++) at += decode(await ctx.nextData(), array.data, at);
    if (at !== h.size) throw new NdshareError('ERR_NDSHARE_TRUNCATED', `Expected ${h.size} elements over the JSON queue but received ${at}`);
    return { form: 'array', array, locked: null };
  },
};
