/**
 * Chunk geometry: which chunks a window of the array touches, and the contiguous byte runs that
 * join a chunk's buffer to the array's memory (both C order). Runs merge every trailing dimension
 * that both sides cover whole, so a chunk of whole rows is one run: one read or write, no copy.
 */
import type { ZarrMeta } from './metadata.js';

/** A window of the array: rows `[start, stop)` of the leading axis, every other axis whole. */
export interface Window {
  readonly start: number;
  readonly stop: number;
}

/** The shape of a window. */
export function windowShape(shape: readonly number[], w: Window): number[] {
  return shape.length === 0 ? [] : [w.stop - w.start, ...shape.slice(1)];
}

/** Grid coordinates of every chunk that overlaps the window, in C order. */
export function* chunksIn(meta: Pick<ZarrMeta, 'shape' | 'chunks'>, w: Window): Generator<number[]> {
  const n = meta.shape.length;
  if (n === 0) {
    yield [];
    return;
  }
  const lo: number[] = [];
  const hi: number[] = [];
  for (let d = 0; d < n; d++) {
    const c = meta.chunks[d] ?? 1;
    const [a, b] = d === 0 ? [w.start, w.stop] : [0, meta.shape[d] ?? 0];
    if (b <= a) return;
    lo.push(Math.floor(a / c));
    hi.push(Math.ceil(b / c));
  }
  const at = [...lo];
  for (;;) {
    yield [...at];
    let d = n - 1;
    for (; d >= 0; d--) {
      at[d] = (at[d] ?? 0) + 1;
      if ((at[d] ?? 0) < (hi[d] ?? 0)) break;
      at[d] = lo[d] ?? 0;
    }
    if (d < 0) return;
  }
}

/** Bytes of one stored (uncompressed) chunk: edge chunks are stored whole, padded. */
export function chunkBytes(meta: Pick<ZarrMeta, 'chunks' | 'info'>): number {
  return meta.chunks.reduce((p, c) => p * c, 1) * meta.info.itemsize;
}

/**
 * Calls `run(arrayByte, chunkByte, bytes)` for each contiguous run shared by chunk `coords` and
 * the window, with byte offsets into the window's memory and into the chunk's buffer.
 * Returns true when the runs cover the whole chunk buffer in one piece (the chunk is interior and
 * spans whole rows), so the caller may read or write it in place.
 */
export function forEachRun(meta: Pick<ZarrMeta, 'shape' | 'chunks' | 'info'>, coords: readonly number[], w: Window, run: (arrayByte: number, chunkByte: number, bytes: number) => void): boolean {
  const n = meta.shape.length;
  const size = meta.info.itemsize;
  if (n === 0) {
    run(0, 0, size);
    return true;
  }
  const wshape = windowShape(meta.shape, w);
  const lo: number[] = [];
  const ext: number[] = [];
  for (let d = 0; d < n; d++) {
    const c = meta.chunks[d] ?? 1;
    const cs = (coords[d] ?? 0) * c;
    const [a, b] = d === 0 ? [w.start, w.stop] : [0, meta.shape[d] ?? 0];
    const l = Math.max(cs, a);
    lo.push(l - cs);
    ext.push(Math.min(cs + c, b) - l);
  }
  // Element strides of the window (the target or source memory) and of the chunk buffer.
  const ws = new Array<number>(n).fill(1);
  const cstr = new Array<number>(n).fill(1);
  for (let d = n - 2; d >= 0; d--) {
    ws[d] = (ws[d + 1] ?? 1) * (wshape[d + 1] ?? 1);
    cstr[d] = (cstr[d + 1] ?? 1) * (meta.chunks[d + 1] ?? 1);
  }
  // Offset of the region's first element on each side.
  let wBase = 0;
  let cBase = 0;
  for (let d = 0; d < n; d++) {
    const cs = (coords[d] ?? 0) * (meta.chunks[d] ?? 1);
    const absLo = cs + (lo[d] ?? 0);
    wBase += (absLo - (d === 0 ? w.start : 0)) * (ws[d] ?? 1);
    cBase += (lo[d] ?? 0) * (cstr[d] ?? 1);
  }
  // Merge trailing dimensions that the region covers whole on both sides.
  let inner = n - 1;
  let runElems = ext[inner] ?? 0;
  while (inner > 0 && ext[inner] === meta.chunks[inner] && ext[inner] === wshape[inner]) {
    inner--;
    runElems *= ext[inner] ?? 0;
  }
  // `inner` is now the outermost dimension inside the run; loop over the ones before it.
  const outer = inner;
  const whole = runElems === meta.chunks.reduce((p, c) => p * c, 1);
  if (outer === 0) {
    run(wBase * size, cBase * size, runElems * size);
    return whole;
  }
  const at = new Array<number>(outer).fill(0);
  for (;;) {
    let wo = wBase;
    let co = cBase;
    for (let d = 0; d < outer; d++) {
      wo += (at[d] ?? 0) * (ws[d] ?? 1);
      co += (at[d] ?? 0) * (cstr[d] ?? 1);
    }
    run(wo * size, co * size, runElems * size);
    let d = outer - 1;
    for (; d >= 0; d--) {
      at[d] = (at[d] ?? 0) + 1;
      if ((at[d] ?? 0) < (ext[d] ?? 0)) break;
      at[d] = 0;
    }
    if (d < 0) return false;
  }
}

/** Runs `fn` over `items` with at most `limit` in flight; the first failure stops new work and is thrown. */
export async function inParallel<T>(items: Iterable<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const it = items[Symbol.iterator]();
  let failed: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    for (;;) {
      if (failed) return;
      const next = it.next();
      if (next.done) return;
      try {
        await fn(next.value);
      } catch (error) {
        failed ??= { error };
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, lane));
  if (failed) throw failed.error;
}
