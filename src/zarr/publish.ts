/**
 * publish(): writes an NdArray as a Zarr array (v2 by default, v3 on request) that zarr-python,
 * Dask, xarray and tensorstore read. Chunks are encoded and written in parallel (bounded); the
 * metadata goes last, and the whole array is written beside its final place and renamed into it,
 * so no reader ever finds a half-written array, and a publish killed midway leaves none.
 */
import { invalid, NdshareError } from '../errors.js';
import { stateOf, type NdArray } from '../core/ndarray.js';
import { checkOptions, optionNames } from '../core/validate.js';
import { chunkBytes, chunksIn, forEachRun, inParallel } from './chunks.js';
import { codecFor, COMPRESSORS, encodeChunk, type Compressor } from './codecs.js';
import { formatV2, formatV3, kAttrsKeyV2, kMetaKeyV2, kMetaKeyV3, type ZarrFormat, type ZarrMeta } from './metadata.js';
import { resolveStore, stage } from './store.js';

/** Progress of a transfer, in uncompressed bytes. */
export interface TransferProgress {
  readonly bytes: number;
  readonly total: number;
}

/** Options for `publish()`. */
export interface PublishOptions {
  /**
   * Chunk shape. A number is the rows per chunk along the leading axis (other axes whole).
   * Default: whole rows, about 8 MiB per chunk.
   */
  chunks?: readonly number[] | number;
  /** 'none' (default), 'zlib', 'gzip' (deflate, level 1 unless `level`), or 'blosc' (lz4, shuffle). */
  compressor?: Compressor;
  /** Compression level (deflate 0-9, blosc 0-9). */
  level?: number;
  /** Zarr format: 2 (default: what zarr-python 2 and Dask read) or 3. */
  format?: ZarrFormat;
  /** Replace a Zarr array already at `url` (atomically). Default false: EEXIST. */
  overwrite?: boolean;
  /** User attributes (.zattrs for v2, `attributes` in zarr.json for v3). */
  attributes?: Record<string, unknown>;
  /** Chunks in flight at once. Default 8. */
  concurrency?: number;
  /** Called after each chunk is written. */
  onProgress?: (progress: TransferProgress) => void;
}

const kPublishOptions = optionNames<PublishOptions>({ chunks: true, compressor: true, level: true, format: true, overwrite: true, attributes: true, concurrency: true, onProgress: true });

/** What `publish()` wrote. */
export interface PublishResult {
  /** The store's canonical URL (file:///...). */
  readonly url: string;
  readonly format: ZarrFormat;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly chunks: readonly number[];
  readonly compressor: Compressor;
  /** Number of chunk objects written, and their total stored size. */
  readonly chunkCount: number;
  readonly storedBytes: number;
}

/** About 8 MiB per chunk: large enough to stream, small enough for parallel work and partial reads. */
const kTargetChunkBytes = 8 * 1024 * 1024;

function checkInt(value: unknown, what: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) invalid('ERR_NDSHARE_INVALID_ARGUMENT', `an integer >= ${min}`, what, value);
  return value as number;
}

function chunkShape(value: unknown, shape: readonly number[], itemsize: number): number[] {
  if (shape.length === 0) {
    if (value !== undefined && !(Array.isArray(value) && value.length === 0)) invalid('ERR_NDSHARE_INVALID_ARGUMENT', '[] (a 0-d array has one chunk)', 'options.chunks', value);
    return [];
  }
  const rest = shape.slice(1).map((d) => Math.max(1, d));
  if (value === undefined) {
    const rowBytes = rest.reduce((p, d) => p * d, itemsize);
    return [Math.max(1, Math.min(shape[0] ?? 1, Math.floor(kTargetChunkBytes / rowBytes))), ...rest];
  }
  if (typeof value === 'number') return [checkInt(value, 'options.chunks', 1), ...rest];
  if (!Array.isArray(value) || value.length !== shape.length) return invalid('ERR_NDSHARE_INVALID_ARGUMENT', `a chunk shape of ${shape.length} positive integers (or a number of rows)`, 'options.chunks', value);
  return value.map((c: unknown, i: number) => checkInt(c, `options.chunks[${i}]`, 1));
}

/** Writes `array` as a Zarr array at `url` (a path or file:// URL). */
export async function publish(array: NdArray, url: string, options?: PublishOptions): Promise<PublishResult> {
  const s = stateOf(array);
  if (s.closed) throw new NdshareError('ERR_NDSHARE_CLOSED', 'Expected an open NdArray for publish() but it was closed');
  if (s.order !== 'C') throw new NdshareError('ERR_NDSHARE_ZARR_UNSUPPORTED', "Expected a C-order array for publish() but received a Fortran-order one; copy it into a C-order array first");
  const store = resolveStore(url);
  const o = checkOptions(options, 'publish() options', kPublishOptions);
  const compressor = (o['compressor'] ?? 'none') as Compressor;
  if (!COMPRESSORS.includes(compressor)) invalid('ERR_NDSHARE_INVALID_ARGUMENT', COMPRESSORS.map((c) => `'${c}'`).join(', '), 'options.compressor', o['compressor']);
  const level = o['level'] === undefined ? undefined : checkInt(o['level'], 'options.level', 0);
  if (level !== undefined && level > 9) invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'a level from 0 to 9', 'options.level', level);
  const format = (o['format'] ?? 2) as ZarrFormat;
  if (format !== 2 && format !== 3) invalid('ERR_NDSHARE_INVALID_ARGUMENT', '2 or 3', 'options.format', o['format']);
  if (format === 3 && compressor === 'zlib') throw new NdshareError('ERR_NDSHARE_ZARR_UNSUPPORTED', "Expected compressor 'none', 'gzip' or 'blosc' for a Zarr v3 array but received 'zlib'; v3 has no zlib codec, 'gzip' is the same deflate");
  const overwrite = o['overwrite'] ?? false;
  if (typeof overwrite !== 'boolean') invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'a boolean', 'options.overwrite', overwrite);
  const concurrency = o['concurrency'] === undefined ? 8 : checkInt(o['concurrency'], 'options.concurrency', 1);
  const attributes = (o['attributes'] ?? {}) as Record<string, unknown>;
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'a plain object', 'options.attributes', attributes);
  const attributesText = JSON.stringify(attributes);
  const onProgress = o['onProgress'] as PublishOptions['onProgress'];
  if (onProgress !== undefined && typeof onProgress !== 'function') invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'a function', 'options.onProgress', onProgress);

  const chunks = chunkShape(o['chunks'], s.shape, s.info.itemsize);
  const codec = codecFor(compressor, level);
  const meta: Omit<ZarrMeta, 'chunkKey' | 'format'> = { info: s.info, shape: s.shape, chunks, codec, fill: s.info.bigint ? 0n : 0 };
  const metaText = format === 2 ? formatV2(meta) : formatV3(meta, attributes);
  const key: ZarrMeta['chunkKey'] = format === 2 ? (c) => (c.length === 0 ? '0' : c.join('.')) : (c) => ['c', ...c].join('/');
  const window = { start: 0, stop: s.shape[0] ?? 1 };
  const bytes = new Uint8Array(s.buffer, s.byteOffset, s.nbytes);
  const perChunk = chunkBytes(meta);

  const staging = await stage(store, overwrite);
  let chunkCount = 0;
  let storedBytes = 0;
  let done = 0;
  try {
    const total = s.nbytes;
    await inParallel(chunksIn(meta, window), concurrency, async (coords) => {
      let raw: Uint8Array | undefined;
      let covered = 0;
      const whole = forEachRun(meta, coords, window, (at, _from, len) => {
        covered += len;
        raw = bytes.subarray(at, at + len);
      });
      if (!whole) {
        // Edge or partial chunk: gathered into a zero-padded buffer of the full chunk size.
        const buf = new Uint8Array(perChunk);
        forEachRun(meta, coords, window, (at, from, len) => buf.set(bytes.subarray(at, at + len), from));
        raw = buf;
      }
      const stored = await encodeChunk(codec, raw ?? new Uint8Array(perChunk));
      await staging.write(key(coords), stored);
      chunkCount++;
      storedBytes += stored.byteLength;
      done += covered;
      onProgress?.({ bytes: done, total });
    });
    // Metadata last: a store without rename (an object store) would then still never show a
    // reader an array whose chunks are not all there.
    if (format === 2) {
      await staging.write(kAttrsKeyV2, new TextEncoder().encode(`${attributesText}\n`));
      await staging.write(kMetaKeyV2, new TextEncoder().encode(metaText));
    } else {
      await staging.write(kMetaKeyV3, new TextEncoder().encode(metaText));
    }
    await staging.commit();
  } catch (err) {
    await staging.abort();
    throw err;
  }
  return { url: store.url, format, dtype: s.info.name, shape: [...s.shape], chunks, compressor, chunkCount, storedBytes };
}
