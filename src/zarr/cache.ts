/**
 * The per-host cache of fetched Zarr arrays: .npy files in a tmpfs directory of this user
 * (/dev/shm/ndshare-cache-<uid>/), so every process of the host maps the same memory, zero-copy,
 * and a second fetch of an unchanged array maps what the first one read.
 *
 * An entry's name says what it holds: `<key>.<version>.npy`, where key hashes the store URL and
 * the window (rows) and version hashes the array's metadata and the size, mtime and inode of every
 * chunk the window needs. A sidecar `<key>.<version>.json` records the URL for `ndshare ls`.
 * Entries are written under a temporary name and renamed, so a reader only ever finds whole ones.
 *
 * Lifetime: an entry outlives the process that fetched it (that is the point). It goes when a
 * newer version of the same URL and window is fetched, when `evict()` (`ndshare fetch --evict`)
 * removes it, or at reboot. Removing one never disturbs processes that mapped it: they keep their
 * memory until they close it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromSystemError, NdshareError } from '../errors.js';
import { kShmDir } from '../core/layout.js';
import type { Window } from './chunks.js';
import { isAlive, resolveStore } from './store.js';

/** One cached array. */
export interface CacheEntry {
  /** The .npy file (open() or attach({ backing: 'file', ... }) maps it; so does numpy.load). */
  readonly path: string;
  /** Store URL it was fetched from, and the rows fetched (null: all). */
  readonly url: string;
  readonly rows: readonly [number, number] | null;
  readonly dtype: string;
  readonly shape: readonly number[];
  /** File size in bytes. */
  readonly size: number;
  /** When it was fetched (ms since the epoch). */
  readonly fetchedAt: number;
}

/** The cache directory of this user (created 0700 on first use; refused if someone else owns it). */
export function cacheDir(create = false): string {
  const uid = process.geteuid?.() ?? 0;
  const dir = join(process.env['NDSHARE_CACHE_DIR'] ?? kShmDir, `ndshare-cache-${uid}`);
  if (create) {
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'EEXIST') throw fromSystemError(err, 'create the cache directory', dir);
    }
  }
  const st = lstatSync(dir, { throwIfNoEntry: false });
  if (st && (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0)) {
    throw new NdshareError('ERR_NDSHARE_PERMISSION', `Expected ${dir} to be a directory of uid ${uid} with mode 0700 but it is not (a link, another user's, or group/world accessible); remove it and fetch again`, { path: dir });
  }
  return dir;
}

/** The cache key of a URL and window: names every version of it. */
export function cacheKey(url: string, rows: Window | null): string {
  return createHash('sha256').update(`${url}\n${rows ? `${rows.start}:${rows.stop}` : 'all'}`).digest('hex').slice(0, 32);
}

/** The version hash of what a fetch would read. */
export function versionOf(parts: readonly (string | Uint8Array)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 16);
}

/** Path of the entry for key and version, if it exists. */
export function findEntry(key: string, version: string): string | undefined {
  const path = join(cacheDir(), `${key}.${version}.npy`);
  return statSync(path, { throwIfNoEntry: false })?.isFile() ? path : undefined;
}

/** A fresh temporary path in the cache directory for a fetch to write into. */
export function tempEntry(key: string): string {
  return join(cacheDir(true), `${key}.tmp-${process.pid}-${randomBytes(6).toString('hex')}.npy`);
}

/**
 * Publishes a fully written temporary file as the entry for key and version, and removes older
 * versions of the same key (processes that mapped them keep their memory).
 */
export function commitEntry(tmp: string, key: string, version: string, about: Omit<CacheEntry, 'path' | 'size'>): string {
  const dir = cacheDir();
  const path = join(dir, `${key}.${version}.npy`);
  writeFileSync(join(dir, `${key}.${version}.json`), `${JSON.stringify({ url: about.url, rows: about.rows, dtype: about.dtype, shape: about.shape, fetchedAt: about.fetchedAt })}\n`, { mode: 0o600 });
  renameSync(tmp, path);
  for (const name of readdirSync(dir)) {
    if (name.startsWith(`${key}.`) && !name.startsWith(`${key}.${version}.`) && !name.includes('.tmp-')) rmSync(join(dir, name), { force: true });
  }
  return path;
}

/** Removes temporary files of fetches whose process died. */
export function removeStaleTemps(): void {
  const dir = cacheDir(true);
  for (const name of readdirSync(dir)) {
    const pid = Number(/\.tmp-(\d+)-/.exec(name)?.[1] ?? 0);
    if (pid <= 0 || isAlive(pid)) continue;
    rmSync(join(dir, name), { force: true });
  }
}

/** Every entry in this user's cache, oldest first. */
export function listCache(): CacheEntry[] {
  let dir: string;
  try {
    dir = cacheDir();
  } catch {
    return [];
  }
  const names = (() => {
    try {
      return readdirSync(dir);
    } catch {
      return [] as string[];
    }
  })();
  const out: CacheEntry[] = [];
  for (const name of names) {
    if (!name.endsWith('.npy') || name.includes('.tmp-')) continue;
    const path = join(dir, name);
    try {
      const about = JSON.parse(readFileSync(path.replace(/\.npy$/, '.json'), 'utf8')) as Omit<CacheEntry, 'path' | 'size'>;
      out.push({ path, url: about.url, rows: about.rows, dtype: about.dtype, shape: about.shape, fetchedAt: about.fetchedAt, size: statSync(path).size });
    } catch {
      // An entry without a readable sidecar is still listed, with what its name tells.
      out.push({ path, url: '?', rows: null, dtype: '?', shape: [], size: statSync(path, { throwIfNoEntry: false })?.size ?? 0, fetchedAt: 0 });
    }
  }
  return out.sort((a, b) => a.fetchedAt - b.fetchedAt);
}

/**
 * Removes cached entries: those fetched from `url` (a path or file:// URL; any window), or every
 * entry when `url` is undefined. Returns the paths removed. Processes that mapped an entry keep
 * their memory.
 */
export function evictEntries(url?: string): string[] {
  const canonical = url === undefined ? undefined : resolveStore(url).url;
  const removed: string[] = [];
  for (const e of listCache()) {
    if (canonical !== undefined && e.url !== canonical) continue;
    rmSync(e.path, { force: true });
    rmSync(e.path.replace(/\.npy$/, '.json'), { force: true });
    removed.push(e.path);
  }
  return removed;
}
