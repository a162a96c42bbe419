/**
 * Chunk codecs: deflate (zlib, gzip) through node:zlib, which is native code running on libuv's
 * thread pool, so chunks compress in parallel; blosc, zstd and lz4 through numcodecs' WebAssembly
 * builds, imported only when an array uses them (reading what zarr-python writes by default).
 */
import { promisify } from 'node:util';
import { deflate, gunzip, gzip, inflate } from 'node:zlib';
import { NdshareError } from '../errors.js';
import type { CodecSpec } from './metadata.js';

const deflateAsync = promisify(deflate);
const inflateAsync = promisify(inflate);
const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** The compressors `publish()` writes, by the name users pass. */
export type Compressor = 'none' | 'zlib' | 'gzip' | 'blosc';
export const COMPRESSORS: readonly Compressor[] = ['none', 'zlib', 'gzip', 'blosc'];

/** The codec a compressor name means, at level `level` (deflate 1 by default, as zarr-python's Zlib). */
export function codecFor(name: Compressor, level: number | undefined): CodecSpec | null {
  switch (name) {
    case 'none':
      return null;
    case 'zlib':
    case 'gzip':
      return { id: name, level: level ?? 1 };
    case 'blosc':
      return { id: 'blosc', cname: 'lz4', clevel: level ?? 5, shuffle: 1, blocksize: 0 };
  }
}

interface WasmCodec {
  encode(data: Uint8Array): Promise<Uint8Array>;
  decode(data: Uint8Array): Promise<Uint8Array>;
}

async function wasmCodec(spec: CodecSpec): Promise<WasmCodec> {
  try {
    switch (spec.id) {
      case 'blosc': {
        const Blosc = (await import('numcodecs/blosc')).default;
        return new Blosc(spec.clevel, spec.cname, spec.shuffle, spec.blocksize);
      }
      case 'zstd': {
        const Zstd = (await import('numcodecs/zstd')).default;
        return new Zstd(spec.level);
      }
      case 'lz4': {
        const LZ4 = (await import('numcodecs/lz4')).default;
        return new LZ4(spec.acceleration);
      }
      default:
        throw new Error(`no WebAssembly codec for ${spec.id}`);
    }
  } catch (err) {
    throw new NdshareError('ERR_NDSHARE_ZARR_UNSUPPORTED', `Expected the ${spec.id} codec to load from the numcodecs package but it failed: ${String((err as Error).message ?? err)}; reinstall ndshare's dependencies (npm ci)`, { cause: err });
  }
}

/** Compresses one chunk. */
export async function encodeChunk(spec: CodecSpec | null, raw: Uint8Array): Promise<Uint8Array> {
  if (spec === null) return raw;
  switch (spec.id) {
    case 'zlib':
      return deflateAsync(raw, { level: spec.level });
    case 'gzip':
      return gzipAsync(raw, { level: spec.level });
    default:
      return (await wasmCodec(spec)).encode(raw);
  }
}

/** Decompresses one chunk; the caller checks its length against the chunk's size. */
export async function decodeChunk(spec: CodecSpec | null, stored: Uint8Array, key: string): Promise<Uint8Array> {
  if (spec === null) return stored;
  try {
    switch (spec.id) {
      case 'zlib':
        return await inflateAsync(stored);
      case 'gzip':
        return await gunzipAsync(stored);
      default:
        return await (await wasmCodec(spec)).decode(stored);
    }
  } catch (err) {
    if (err instanceof NdshareError) throw err;
    throw new NdshareError('ERR_NDSHARE_ZARR_BAD_CHUNK', `Expected chunk ${key} to decode with ${spec.id} but it failed (${String((err as Error).message ?? err)}); the chunk is corrupt or truncated, re-publish the array`, { path: key, cause: err });
  }
}
