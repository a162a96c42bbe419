/**
 * Where a Zarr array lives: a store named by a URL. Today the file system (a local path, or a
 * file:// URL, which covers NFS, Lustre, CephFS and s3fs/rclone mounts); object stores reached
 * by their own protocol are refused with a typed error that says how to reach them instead.
 */
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { fromSystemError, invalid, NdshareError } from '../errors.js';

/** A resolved store: the array's root directory and its canonical file:// URL (the cache key). */
export interface FsStore {
  readonly kind: 'fs';
  readonly root: string;
  readonly url: string;
}

/** Resolves what users pass as `url`: a path, or a file:// URL. */
export function resolveStore(url: unknown, what = 'url'): FsStore {
  if (typeof url !== 'string' || url.length === 0 || url.includes('\0')) return invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'a Zarr store URL (a path or file:// URL)', what, url);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  let root: string;
  if (scheme === undefined) root = resolve(url);
  else if (scheme === 'file') {
    try {
      root = fileURLToPath(url);
    } catch (err) {
      throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', `Expected a local file:// URL for ${what} but received ${JSON.stringify(url)}: ${(err as Error).message}`, { cause: err });
    }
  } else {
    throw new NdshareError(
      'ERR_NDSHARE_ZARR_UNSUPPORTED',
      `Expected a file-system store (a path or file:// URL) for ${what} but received a ${scheme}:// URL; mount the bucket (s3fs, rclone mount, goofys, or CephFS) and pass the mounted path, see docs/distributed.md`,
    );
  }
  root = root.replace(/\/+$/, '') || '/';
  return { kind: 'fs', root, url: pathToFileURL(root).href };
}

/** Reads one key, or undefined when it does not exist. */
export async function readKey(store: FsStore, key: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(join(store.root, key));
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return undefined;
    throw fromSystemError(err, `read ${key} of the Zarr array`, join(store.root, key));
  }
}

/**
 * Reads a raw chunk straight into `target` (shared memory) when its file has exactly that size.
 * Returns 'missing', 'ok', or the size found (the caller reports a truncated chunk).
 */
export async function readKeyInto(store: FsStore, key: string, target: Uint8Array): Promise<'missing' | 'ok' | number> {
  const path = join(store.root, key);
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return 'missing';
    throw fromSystemError(err, `open chunk ${key}`, path);
  }
  try {
    const st = await fh.stat();
    if (st.size !== target.byteLength) return st.size;
    let done = 0;
    while (done < target.byteLength) {
      const { bytesRead } = await fh.read(target, done, target.byteLength - done, done);
      if (bytesRead === 0) return done;
      done += bytesRead;
    }
    return 'ok';
  } catch (err) {
    throw fromSystemError(err, `read chunk ${key}`, path);
  } finally {
    await fh.close();
  }
}

/** Size and modification time of each key that exists (the cache's content version). */
export async function statKeys(store: FsStore, keys: readonly string[]): Promise<string> {
  const parts: string[] = [];
  for (const key of keys) {
    const st = await stat(join(store.root, key)).catch(() => undefined);
    parts.push(st ? `${key}:${st.size}:${st.mtimeMs}:${st.ino}` : `${key}:-`);
  }
  return parts.join('\n');
}

/** True when the directory holds a Zarr array or group (something `publish` may replace). */
async function isZarrNode(dir: string): Promise<boolean> {
  const names = await readdir(dir).catch(() => undefined);
  if (names === undefined) return false;
  return names.length === 0 || names.includes('.zarray') || names.includes('zarr.json');
}

const kTmpTag = '.ndshare-tmp-';

/** A directory being written: keys go below `dir`, and `commit()` moves it to the store's root at once. */
export interface Staging {
  readonly dir: string;
  write(key: string, bytes: Uint8Array): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * Starts writing an array next to its final place (`.<name>.ndshare-tmp-<pid>-<hex>` in the same
 * directory, so the final rename is atomic). A reader therefore sees the old array, nothing, or
 * the complete new one; a publisher killed midway leaves only that hidden directory, which the
 * next publish to the same place removes once its writer is dead.
 */
export async function stage(store: FsStore, overwrite: boolean): Promise<Staging> {
  const parent = dirname(store.root);
  const name = basename(store.root);
  await mkdir(parent, { recursive: true }).catch((err: unknown) => {
    throw fromSystemError(err, 'create the parent directory of the Zarr array', parent);
  });
  const existing = await stat(store.root).catch(() => undefined);
  if (existing && !overwrite) {
    throw new NdshareError('EEXIST', `Expected no file or directory at ${store.root} for publish() but one exists; pass overwrite: true (--overwrite) to replace a Zarr array there`, { path: store.root });
  }
  if (existing && (!existing.isDirectory() || !(await isZarrNode(store.root)))) {
    throw new NdshareError('EEXIST', `Expected a Zarr array or an empty directory at ${store.root} to overwrite but found something else; ndshare only replaces Zarr arrays`, { path: store.root });
  }
  await removeStale(parent, name);
  const dir = join(parent, `.${name}${kTmpTag}${process.pid}-${randomBytes(6).toString('hex')}`);
  await mkdir(dir, { mode: 0o755 }).catch((err: unknown) => {
    throw fromSystemError(err, 'create the staging directory', dir);
  });
  const made = new Set<string>([dir]);
  return {
    dir,
    async write(key, bytes) {
      const path = join(dir, key);
      const sub = dirname(path);
      try {
        if (!made.has(sub)) {
          await mkdir(sub, { recursive: true });
          made.add(sub);
        }
        await writeFile(path, bytes);
      } catch (err) {
        throw fromSystemError(err, `write ${key} of the Zarr array`, path);
      }
    },
    async commit() {
      try {
        if (existing) {
          const old = join(parent, `.${name}${kTmpTag}${process.pid}-${randomBytes(6).toString('hex')}-old`);
          await rename(store.root, old);
          await rename(dir, store.root);
          await rm(old, { recursive: true, force: true });
        } else {
          await rename(dir, store.root);
        }
      } catch (err) {
        throw fromSystemError(err, 'move the finished Zarr array into place', store.root);
      }
    },
    async abort() {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}

/** Removes staging directories of `name` whose writer has died (a publish that was killed). */
async function removeStale(parent: string, name: string): Promise<void> {
  const prefix = `.${name}${kTmpTag}`;
  const entries = await readdir(parent).catch(() => [] as string[]);
  for (const e of entries) {
    if (!e.startsWith(prefix)) continue;
    // Its writer may still be at work (this process included): only a dead writer's goes.
    const pid = Number(/^(\d+)-/.exec(e.slice(prefix.length))?.[1] ?? 0);
    if (pid > 0 && isAlive(pid)) continue;
    await rm(join(parent, e), { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Whether process `pid` exists (EPERM: it does, under another user): a writer or fetcher of ours still at work. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: unknown }).code === 'EPERM';
  }
}
