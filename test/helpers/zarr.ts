/**
 * For the Zarr tests: a scratch directory that also holds the fetch cache (NDSHARE_CACHE_DIR, so
 * the tests never touch the real one in /dev/shm), deterministic contents per dtype, and an
 * assertion on a rejected promise's NdshareError.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnyTypedArray, DType } from '../../src/index.js';

/** A temporary directory for stores, with the fetch cache inside it; `done()` removes both. */
export function zarrScratch(label: string): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `ndshare-${label}-`));
  const before = process.env['NDSHARE_CACHE_DIR'];
  process.env['NDSHARE_CACHE_DIR'] = dir;
  return {
    dir,
    done: () => {
      if (before === undefined) delete process.env['NDSHARE_CACHE_DIR'];
      else process.env['NDSHARE_CACHE_DIR'] = before;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fills `data` with values that differ per element and exercise the dtype's range (negatives, fractions). */
export function fillPattern(dtype: DType, data: AnyTypedArray): void {
  const n = data.length;
  if (data instanceof BigInt64Array) for (let i = 0; i < n; i++) data[i] = BigInt(i) * -3_000_000_019n + 7n;
  else if (data instanceof BigUint64Array) for (let i = 0; i < n; i++) data[i] = BigInt(i) * 9_000_000_000_000_001n;
  else {
    const d = data as Exclude<AnyTypedArray, BigInt64Array | BigUint64Array>;
    for (let i = 0; i < n; i++) d[i] = dtype === 'bool' ? (i % 3 === 0 ? 1 : 0) : dtype.startsWith('float') ? i * 0.375 - 11.5 : (i * 37 - 100) % 251;
  }
}

export { rejectsNdshare } from './errors.js';
