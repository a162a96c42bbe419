/**
 * A pool of released, already-faulted shared segments, reused by size.
 *
 * Fresh shared pages are the dominant cost of creating a big array (the kernel zeroes and maps
 * every page: ~0.3-0.45 s for 800 MB here), while writing memory that is already mapped runs at
 * memset speed (~0.1 s for 800 MB). A pool keeps a released segment's fd and mapping and hands
 * them to the next `create()` of the same byte size, under a fresh name and header. `release()`
 * maps every page of the segment into this process once (madvise MADV_POPULATE_WRITE; about
 * 0.1-0.2 s per 800 MB, paid at release), so a reused segment is written at memset speed.
 *
 * ```ts
 * const pool = new SegmentPool();
 * const a = pool.create({ dtype: 'float64', shape: [1e8], fill: 1 }); // cold: fresh pages
 * // ... share a, children attach and finish ...
 * pool.release(a);                                                  // a is closed, memory kept
 * const b = pool.create({ dtype: 'float64', shape: [1e8], fill: 1 }); // warm: same pages
 * ```
 *
 * `release()` is a promise from the caller that nothing in this process still uses views of the
 * array (like returning a buffer to any pool). The pool itself refuses what it cannot prove
 * unused: a segment another process or thread holds open (its liveness lock, which every attach
 * of shm or memfd takes on its own open file description), and an array whose memory was handed
 * out where no lock shows (an fd given to a child by spawnWithArrays shares this process's open
 * file description; a thread handle shares this very mapping). Those are closed instead.
 *
 * A released shm segment is renamed at once to a fresh random name that no handle knows, and again
 * at reuse, so an old handle can never attach the idle or the new data. The lock is tested after
 * each rename: an attach that opened the old name earlier but locks later fails its own check that
 * the name still names the segment (map-npy.ts), and one that locked earlier is seen by the test.
 * A segment whose name someone removed (`ndshare rm --force`) is dropped, never reused nameless.
 */
import { renameSync, writeSync } from 'node:fs';
import { BACKING_TABLE } from './backings/index.js';
import { isLastHolder, releaseIfLastHolder } from './backings/last-holder.js';
import { isReadOnlyPublished, memfdPath } from './backings/memfd.js';
import type { CreateOptions } from './create.js';
import { resolveDType, type DType, type DTypeInfo, type DTypeLike, type DTypeOf } from './dtype.js';
import { invalid, NdshareError, fromSystemError } from '../errors.js';
import { kSegmentDataOffset, kShmDir } from './layout.js';
import { fillFd } from './fill.js';
import { native } from './native.js';
import { formatHeader } from './npy.js';
import { stateOf, wrap, type ArrayState, type NdArray } from './ndarray.js';
import { registerOwned, releaseOwned } from './exit-cleanup.js';
import { closeQuietly, newSegmentName, type Fill } from './fd.js';
import { checkFill, checkOptions, checkShape, optionNames, sizeOf } from './validate.js';

/** Mappings whose every page is already mapped for writing in this process. */
const prefaulted = new WeakSet<SharedArrayBuffer>();

/**
 * Maps every page of a pooled mapping now, once per mapping. create() and a reuse write the fill
 * through the fd, so the creator's mapping may have no page mapped at all; without this the
 * caller's first writes into a reused array would pay one page fault per 4 KiB. The cost is paid
 * here, in release(), off the path of the next create().
 */
function prefault(buffer: SharedArrayBuffer): void {
  if (prefaulted.has(buffer)) return;
  try {
    native().populate(new Uint8Array(buffer));
    prefaulted.add(buffer);
  } catch {
    // An optimization only (MADV_POPULATE_WRITE needs Linux 5.14): reuse still works, it just faults.
  }
}

/** Options for a `SegmentPool`. */
export interface PoolOptions {
  /** Backing of the pooled arrays: 'shm' (default) or 'memfd'. */
  backing?: 'shm' | 'memfd';
  /** Most bytes kept idle in the pool; a release beyond it closes the array instead. Default 8 GiB. */
  maxIdleBytes?: number;
}

interface Idle {
  readonly fd: number;
  readonly buffer: SharedArrayBuffer;
  readonly nbytes: number;
  /** Its current shm name: a fresh one given at release, known to no handle. */
  name: string | undefined;
}

/** What the pool says when it cannot prove a segment unused (tests match it). */
const kHeld = 'another process or thread still holds it open';

/**
 * Renames the shm segment `from` to `to`, keeping the name under this thread's exit cleanup the
 * whole time (both names are registered while the rename runs). False if `from` no longer exists
 * (someone removed it: `ndshare rm --force`).
 */
function renameOwned(from: string, to: string): boolean {
  registerOwned(to);
  try {
    renameSync(`${kShmDir}${from}`, `${kShmDir}${to}`);
  } catch (err) {
    releaseOwned(to);
    if ((err as { code?: unknown }).code === 'ENOENT') return false;
    throw err;
  }
  releaseOwned(from);
  return true;
}

/** Why `s` (an open array this pool could take) must be closed rather than pooled, if it must. */
function unpoolable(s: ArrayState): string | undefined {
  // A child shares our open file description, so no lock test sees it: only its end does.
  const running = (s.fdHolders ?? []).filter((c) => c.pid !== undefined && c.exitCode === null && c.signalCode === null);
  if (s.handedOut === 'fd' && running.length > 0) return `its fd was handed to a child process (spawnWithArrays) that is still running (pid ${running.map((c) => c.pid).join(', ')}), whose use no lock shows`;
  if (s.handedOut === 'thread') return 'its buffer was handed to another thread (threadHandle), whose views no lock shows';
  if (s.backing === 'memfd' && isReadOnlyPublished(s.fd)) return 'it was published read-only (sealed against rewriting)';
  return undefined;
}

/** Outcome of `release()`. */
export type ReleaseResult = { state: 'pooled' } | { state: 'closed'; reason: string };

/** What `SegmentPool.create()` takes: `create()`'s options without those the pool decides. */
type PoolCreateOptions<D extends DType = DType> = Omit<CreateOptions<D>, 'backing' | 'path' | 'mode' | 'publish'>;
const kPoolOptions = optionNames<PoolOptions>({ backing: true, maxIdleBytes: true });
const kPoolCreateOptions = optionNames<PoolCreateOptions>({ dtype: true, shape: true, fill: true });
/** `create()` options the pool decides: refused with their own message. */
const kPoolDecides = ['backing', 'path', 'mode', 'publish'] as const;

/** Reuses released shared segments of the same size. See the module comment for the contract. */
export class SegmentPool {
  readonly #backing: 'shm' | 'memfd';
  readonly #maxIdleBytes: number;
  readonly #idle: Idle[] = [];
  #hits = 0;
  #misses = 0;

  constructor(options: PoolOptions = {}) {
    const o = checkOptions(options, 'SegmentPool options', kPoolOptions);
    const backing = o['backing'] ?? 'shm';
    if (backing !== 'shm' && backing !== 'memfd') invalid('ERR_NDSHARE_INVALID_ARGUMENT', "'shm' or 'memfd'", 'options.backing', backing);
    const max = o['maxIdleBytes'] ?? 8 * 2 ** 30;
    if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 0) invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'a non-negative integer', 'options.maxIdleBytes', max);
    this.#backing = backing;
    this.#maxIdleBytes = max;
  }

  /** Bytes held idle right now. */
  get idleBytes(): number {
    return this.#idle.reduce((sum, e) => sum + e.nbytes, 0);
  }

  /** How many creates reused a segment (hits) or made a fresh one (misses). */
  get stats(): { hits: number; misses: number; idle: number } {
    return { hits: this.#hits, misses: this.#misses, idle: this.#idle.length };
  }

  /** Like `create()` on the pool's backing, reusing an idle segment of the same byte size if any. */
  create<S extends DTypeLike>(options: Omit<CreateOptions<S>, 'backing' | 'path' | 'mode' | 'publish'>): NdArray<DTypeOf<S>> {
    const given = typeof options === 'object' && options !== null ? (options as Record<string, unknown>) : {};
    for (const key of kPoolDecides) {
      if (given[key] !== undefined) invalid('ERR_NDSHARE_INVALID_ARGUMENT', `no ${key} (the pool decides it)`, `options.${key}`, given[key]);
    }
    const o = checkOptions(options, 'SegmentPool.create() options', kPoolCreateOptions);
    const info = resolveDType(o['dtype'], 'options.dtype');
    const shape = checkShape(o['shape'], 'options.shape');
    const fill = checkFill(o['fill'], info);
    const { nbytes } = sizeOf(shape, info);
    for (;;) {
      const at = nbytes > 0 ? this.#idle.findIndex((e) => e.nbytes === nbytes) : -1;
      const idle = at >= 0 ? this.#idle.splice(at, 1)[0] : undefined;
      if (!idle) {
        this.#misses++;
        // Validated once, above: the backing's own create takes the checked request.
        return BACKING_TABLE[this.#backing].create<DTypeOf<S>>({ info, shape, nbytes, fill, options: {} });
      }
      const array = this.#reuse<DTypeOf<S>>(idle, info, shape, fill);
      if (array) {
        this.#hits++;
        return array;
      }
      // That segment was unusable (its name removed, or someone attached it while idle) and is
      // dropped: try the next idle one, or make a fresh one.
    }
  }

  /** The idle segment as a new array, or undefined (and it is dropped) if it cannot be reused. */
  #reuse<D extends DType>(idle: Idle, info: DTypeInfo, shape: readonly number[], fill: Fill): NdArray<D> | undefined {
    let name: string | undefined;
    try {
      if (idle.name) {
        name = newSegmentName();
        if (!renameOwned(idle.name, name)) {
          idle.name = undefined;
          this.#discard(idle);
          return undefined;
        }
        idle.name = name;
      }
      // After the rename (see the module comment): someone who found the idle name (`ndshare ls`)
      // and attached it holds it now; it is theirs to keep.
      if (!isLastHolder(idle.fd)) {
        this.#discard(idle);
        return undefined;
      }
      const header = formatHeader(info.descr, shape, kSegmentDataOffset);
      writeSync(idle.fd, header, 0, header.length, 0);
    } catch (err) {
      this.#discard(idle);
      throw fromSystemError(err, 'reuse a pooled segment');
    }
    const array = wrap<D>({
      ops: BACKING_TABLE[this.#backing].ops,
      info,
      shape,
      buffer: idle.buffer,
      fd: idle.fd,
      path: name ? `${kShmDir}${name}` : memfdPath(idle.fd),
      owner: true,
      ...(name ? { name } : {}),
    });
    // Like create(): without a fill the memory starts zeroed, never with the last array's data.
    // Through the fd, like create(): the pages are resident, so this is one copy, and it does not
    // depend on this process having touched its mapping (on the 2-core VM of docs/benchmark.md, a
    // first write through a mapping cost 10-20x a pwritev of the same resident pages under load).
    if (array.nbytes > 0) fillFd(idle.fd, kSegmentDataOffset, array.nbytes, info, fill);
    return array;
  }

  /**
   * Closes `array` and keeps its memory for reuse. Only arrays this process created on the
   * pool's backing can be pooled, and only while no other process or thread holds them open;
   * otherwise the array is simply closed (and the result says why).
   */
  release(array: NdArray): ReleaseResult {
    const s = stateOf(array);
    if (s.closed) throw new NdshareError('ERR_NDSHARE_CLOSED', 'Expected an open NdArray for SegmentPool.release() but it was closed');
    const reason =
      s.backing !== this.#backing ? `its backing is '${s.backing}', the pool's is '${this.#backing}'`
      : !s.owner ? 'this process did not create it'
      : s.nbytes === 0 ? 'it is empty'
      : !(s.buffer instanceof SharedArrayBuffer) || s.byteOffset !== 0 ? 'its mapping is not reusable'
      : this.idleBytes + s.nbytes > this.#maxIdleBytes ? 'the pool is full'
      : unpoolable(s);
    if (reason !== undefined) {
      array.close();
      return { state: 'closed', reason };
    }
    // From here on the name is the pool's: a fresh one no handle knows, under the exit cleanup.
    let name: string | undefined;
    if (s.name !== undefined) {
      name = newSegmentName();
      let renamed: boolean;
      try {
        renamed = renameOwned(s.name, name);
      } catch (err) {
        array.close();
        throw fromSystemError(err, 'take a segment into the pool', s.name);
      }
      if (!renamed) {
        array.close();
        return { state: 'closed', reason: 'its name was removed (ndshare rm --force)' };
      }
    }
    // Tested after the rename (see the module comment).
    if (!isLastHolder(s.fd)) {
      if (name !== undefined) this.#unlinkOwned(name);
      // Its old name is gone already: close() finds nothing to remove.
      array.close();
      return { state: 'closed', reason: kHeld };
    }
    const buffer = s.buffer as SharedArrayBuffer;
    prefault(buffer);
    this.#idle.push({ fd: s.fd, buffer, nbytes: s.nbytes, name });
    // The NdArray is closed but keeps neither the fd nor the name: they belong to the pool now.
    s.fd = -1;
    s.owner = false;
    s.closed = true;
    return { state: 'pooled' };
  }

  /** Frees every idle segment (names unlinked, fds closed; memory returns once unmapped). */
  clear(): void {
    for (const idle of this.#idle.splice(0)) this.#discard(idle);
  }

  #discard(idle: Idle): void {
    if (idle.name) this.#unlinkOwned(idle.name);
    try {
      // The pool's own mapping, which no one uses (release() was the caller's promise): if no one
      // else holds the segment, its memory goes now rather than when the mapping is collected.
      releaseIfLastHolder(idle.fd, idle.buffer);
    } catch {
      // Then it goes with the mapping, as it always could.
    }
    closeQuietly(idle.fd);
  }

  #unlinkOwned(name: string): void {
    releaseOwned(name);
    try {
      native().shmUnlink(name);
    } catch {
      // Already gone.
    }
  }
}
