/**
 * ndshare/zarr: arrays between hosts, through Zarr stores that zarr-python, Dask, xarray and
 * tensorstore read. `publish(array, url)` writes one; `fetch(url)` reads one into shared memory
 * of this host (a per-host cache). Imported on its own (`import { fetch } from 'ndshare/zarr'`)
 * or from 'ndshare' as `publish` and `fetchArray` (so the global `fetch` is never shadowed).
 */
export { publish, type PublishOptions, type PublishResult, type TransferProgress } from './publish.js';
export { fetchArray, fetchArray as fetch, type FetchOptions } from './fetch.js';
export { listCache, evictEntries as evictCache, type CacheEntry } from './cache.js';
export { COMPRESSORS, type Compressor } from './codecs.js';
export type { ZarrFormat } from './metadata.js';
