/**
 * fetchArray(): reads a Zarr array (v2 or v3, from zarr-python or ndshare) into local shared
 * memory, so the host's processes and threads share it zero-copy from then on. By default through
 * the per-host cache (cache.ts): a second fetch of an unchanged array maps the first one's copy.
 */
import { rmSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { invalid, NdshareError } from '../errors.js';
import { open } from '../core/attach.js';
import { create } from '../core/create.js';
import { stateOf, type NdArray } from '../core/ndarray.js';
import { checkMode, checkOptions, optionNames, type Mode } from '../core/validate.js';
import { cacheKey, commitEntry, findEntry, removeStaleTemps, tempEntry, versionOf } from './cache.js';
import { chunkBytes, chunksIn, forEachRun, inParallel, windowShape, type Window } from './chunks.js';
import { decodeChunk } from './codecs.js';
import { kMetaKeyV2, kMetaKeyV3, parseJsonObject, parseV2, parseV3, type ZarrMeta } from './metadata.js';
import type { TransferProgress } from './publish.js';
import { readKey, readKeyInto, resolveStore, statKeys, type FsStore } from './store.js';

/** Options for `fetchArray()`. */
export interface FetchOptions {
  /** Only rows `[start, stop)` of the leading axis: only the chunks they overlap are read. */
  rows?: readonly [number, number];
  /**
   * true (default): through the per-host cache, a .npy file in /dev/shm/ndshare-cache-<uid>/
   * that outlives this process (see docs/distributed.md for its lifetime). false: into a new
   * 'shm' segment this process owns, removed when it closes the array.
   */
  cache?: boolean;
  /**
   * How a cached array is mapped: 'r' (default: writes stay private to this process, the entry
   * never changes), 'r+' (writes reach every process that maps the entry), 'c'.
   */
  mode?: Mode;
  /**
   * A chunk the store does not have: 'error' (default, ERR_NDSHARE_ZARR_MISSING_CHUNK: ndshare
   * and zarr-python write every chunk, so a missing one means a broken copy) or 'fill' (Zarr's
   * rule: the region holds the fill value; for arrays written with write_empty_chunks=False).
   */
  missingChunks?: 'error' | 'fill';
  /** Chunks in flight at once. Default 8. */
  concurrency?: number;
  /** Called after each chunk is read. */
  onProgress?: (progress: TransferProgress) => void;
}

const kFetchOptions = optionNames<FetchOptions>({ rows: true, cache: true, mode: true, missingChunks: true, concurrency: true, onProgress: true });

/** Reads and parses the array's metadata: v2 `.zarray` first, else v3 `zarr.json`. */
export async function readMeta(store: FsStore): Promise<{ meta: ZarrMeta; raw: Uint8Array }> {
  const v2 = await readKey(store, kMetaKeyV2);
  if (v2 !== undefined) return { meta: parseV2(parseJsonObject(v2, `${store.root}/${kMetaKeyV2}`)), raw: v2 };
  const v3 = await readKey(store, kMetaKeyV3);
  if (v3 !== undefined) return { meta: parseV3(parseJsonObject(v3, `${store.root}/${kMetaKeyV3}`)), raw: v3 };
  const exists = await stat(store.root).catch(() => undefined);
  throw new NdshareError(
    'ERR_NDSHARE_ZARR_NOT_FOUND',
    exists
      ? `Expected a Zarr array (.zarray or zarr.json) at ${store.url} but found none; is it a group (open the array inside it), or a publish still running?`
      : `Expected a Zarr store at ${store.url} but nothing exists there; check the URL, or publish the array first`,
    { path: store.root },
  );
}

function checkRows(value: unknown, meta: ZarrMeta): Window {
  const n = meta.shape[0];
  if (value === undefined) return { start: 0, stop: n ?? 1 };
  if (n === undefined) return invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'no rows for a 0-d array', 'options.rows', value);
  const ok = Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number' && Number.isSafeInteger(v));
  const [start, stop] = ok ? (value as [number, number]) : [-1, -1];
  if (!ok || start < 0 || stop < start || stop > n) invalid('ERR_NDSHARE_INVALID_ARGUMENT', `[start, stop] with 0 <= start <= stop <= ${n}`, 'options.rows', value);
  return { start, stop };
}

function fillBytes(meta: ZarrMeta): Uint8Array {
  const one = new meta.info.ctor(new ArrayBuffer(meta.info.itemsize), 0, 1);
  (one as unknown as { [i: number]: number | bigint })[0] = meta.fill;
  return new Uint8Array(one.buffer);
}

/** Reads the array at `url` (a path or file:// URL) into shared memory. */
export async function fetchArray(url: string, options?: FetchOptions): Promise<NdArray> {
  const store = resolveStore(url);
  const o = checkOptions(options, 'fetchArray() options', kFetchOptions);
  const cache = o['cache'] ?? true;
  if (typeof cache !== 'boolean') invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'a boolean', 'options.cache', cache);
  const mode = o['mode'] === undefined ? 'r' : checkMode(o['mode']);
  const missing = o['missingChunks'] ?? 'error';
  if (missing !== 'error' && missing !== 'fill') invalid('ERR_NDSHARE_INVALID_ARGUMENT', "'error' or 'fill'", 'options.missingChunks', missing);
  const concurrency = o['concurrency'] ?? 8;
  if (typeof concurrency !== 'number' || !Number.isSafeInteger(concurrency) || concurrency < 1) invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'an integer >= 1', 'options.concurrency', concurrency);
  const onProgress = o['onProgress'] as FetchOptions['onProgress'];
  if (onProgress !== undefined && typeof onProgress !== 'function') invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'a function', 'options.onProgress', onProgress);

  const { meta, raw } = await readMeta(store);
  const window = checkRows(o['rows'], meta);
  const coords = [...chunksIn(meta, window)];
  const keys = coords.map((c) => meta.chunkKey(c));
  const shape = windowShape(meta.shape, window);

  let key = '';
  let version = '';
  if (cache) {
    key = cacheKey(store.url, o['rows'] === undefined ? null : window);
    version = versionOf([raw, await statKeys(store, keys)]);
    const hit = findEntry(key, version);
    if (hit !== undefined) return open(hit, { mode });
    removeStaleTemps();
  }
  const tmp = cache ? tempEntry(key) : undefined;
  const target = tmp !== undefined ? create({ dtype: meta.info.name, shape, backing: 'file', path: tmp }) : create({ dtype: meta.info.name, shape, backing: 'shm' });
  try {
    const s = stateOf(target);
    await readChunks(store, meta, window, coords, keys, new Uint8Array(s.buffer, s.byteOffset, s.nbytes), { missing, concurrency, onProgress });
  } catch (err) {
    target.close();
    if (tmp !== undefined) rmSync(tmp, { force: true });
    throw err;
  }
  if (tmp === undefined) return target;
  target.close();
  const path = commitEntry(tmp, key, version, { url: store.url, rows: o['rows'] === undefined ? null : [window.start, window.stop], dtype: meta.info.name, shape, fetchedAt: Date.now() });
  return open(path, { mode });
}

interface ReadPlan {
  readonly missing: 'error' | 'fill';
  readonly concurrency: number;
  readonly onProgress: FetchOptions['onProgress'];
}

async function readChunks(store: FsStore, meta: ZarrMeta, window: Window, coords: number[][], keys: string[], out: Uint8Array, plan: ReadPlan): Promise<void> {
  const perChunk = chunkBytes(meta);
  let done = 0;
  const indexes = coords.map((_, i) => i);
  await inParallel(indexes, plan.concurrency, async (i) => {
    const c = coords[i] ?? [];
    const key = keys[i] ?? '';
    let place: Uint8Array | undefined;
    let covered = 0;
    const whole = forEachRun(meta, c, window, (at, _from, len) => {
      covered += len;
      place = out.subarray(at, at + len);
    });
    if (whole && meta.codec === null && place !== undefined) {
      // A raw interior chunk goes straight from the file into shared memory.
      const r = await readKeyInto(store, key, place);
      if (r === 'ok') {
        done += covered;
        plan.onProgress?.({ bytes: done, total: out.byteLength });
        return;
      }
      if (r !== 'missing') throw badSize(store, key, r, perChunk);
      return fillOrFail(store, meta, c, window, out, key, plan);
    }
    const stored = await readKey(store, key);
    if (stored === undefined) return fillOrFail(store, meta, c, window, out, key, plan);
    const decoded = await decodeChunk(meta.codec, stored, key);
    if (decoded.byteLength !== perChunk) throw badSize(store, key, decoded.byteLength, perChunk);
    forEachRun(meta, c, window, (at, from, len) => out.set(decoded.subarray(from, from + len), at));
    done += covered;
    plan.onProgress?.({ bytes: done, total: out.byteLength });
  });
}

function badSize(store: FsStore, key: string, got: number, expected: number): NdshareError {
  return new NdshareError('ERR_NDSHARE_ZARR_BAD_CHUNK', `Expected chunk ${key} of ${store.url} to hold ${expected} bytes but it holds ${got}; the chunk is truncated or corrupt, re-publish the array`, { path: key });
}

async function fillOrFail(store: FsStore, meta: ZarrMeta, c: readonly number[], window: Window, out: Uint8Array, key: string, plan: ReadPlan): Promise<void> {
  if (plan.missing === 'error') {
    throw new NdshareError(
      'ERR_NDSHARE_ZARR_MISSING_CHUNK',
      `Expected chunk ${key} in ${store.url} but the store does not have it; the copy is incomplete. If the array was written with write_empty_chunks=False, fetch with missingChunks: 'fill' (--missing-chunks fill)`,
      { path: key },
    );
  }
  const one = fillBytes(meta);
  forEachRun(meta, c, window, (at, _from, len) => {
    for (let b = 0; b < len; b += one.byteLength) out.set(one, at + b);
  });
}
