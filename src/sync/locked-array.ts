/**
 * LockedArray: the study's `multiprocessing.Array` (ctypes, lock=True) analog. A shared NdArray
 * paired with a Mutex; every element and slice accessor takes the lock, and `withLockSync` /
 * `withLock` run a bulk operation under one acquire (the cheap way: per-element locking is what
 * made the study's ctypes Array the slowest method).
 *
 * Accessors block the calling thread while waiting (they use `lockSync`): use them in workers and
 * child processes. On a main thread that must stay responsive, use `withLock` (async acquire).
 */
import { attach } from '../core/attach.js';
import { create, type CreateOptions } from '../core/create.js';
import type { AnyTypedArray, DType, DTypeLike, DTypeOf, ElementOf, TypedArrayMap } from '../core/dtype.js';
import { invalid, NdshareError } from '../errors.js';
import type { NdArray } from '../core/ndarray.js';
import { checkOptions, offsetOf, optionNames, type Mode } from '../core/validate.js';
import { guardClone, notCloneable } from '../core/clone-guard.js';
import { checkSyncEnvelope, type LockedArrayHandle } from './handle.js';
import { Mutex, type Acquired, type LockOptions } from './mutex.js';

/** Options of `LockedArray.attach()`. */
export interface LockedArrayAttachOptions {
  /** 'r+' (default) or 'r' (read-only view; the lock is still taken). */
  mode?: Extract<Mode, 'r+' | 'r'>;
  /** The dtype you expect, checked as `attach(h, { dtype })` checks it (ERR_NDSHARE_HANDLE_MISMATCH). */
  dtype?: DTypeLike;
}

const kLockedAttachOptions = optionNames<LockedArrayAttachOptions>({ mode: true, dtype: true });

type Value<D extends DType> = ElementOf<D> | (D extends 'bool' ? boolean : never);

/** What to post in place of the object (it belongs to the thread that made it). */
const kPostInstead = 'lockedArray.handle (for any thread or process)';

/** A shared array whose accessors hold a shared Mutex. */
export class LockedArray<D extends DType = DType> {
  readonly #array: NdArray<D>;
  readonly #mutex: Mutex;
  readonly #data: AnyTypedArray;
  /** Element steps per dimension (strides in items), for n-d indexes. */
  readonly #steps: readonly number[];
  readonly #shape: readonly number[];

  private constructor(array: NdArray<D>, mutex: Mutex) {
    guardClone(this, 'a LockedArray', kPostInstead);
    this.#array = array;
    this.#mutex = mutex;
    this.#data = array.data;
    this.#shape = array.shape;
    const itemsize = array.size === 0 ? 1 : array.nbytes / array.size;
    this.#steps = array.strides.map((s) => s / itemsize);
  }

  /** JSON.stringify() and child.send() with 'json' serialization fail at the call: post `handle`. */
  toJSON(): never {
    throw notCloneable('a LockedArray', kPostInstead);
  }

  /** Creates a shared array (default backing 'shm') and a mutex next to it. */
  static create<S extends DTypeLike>(options: CreateOptions<S>): LockedArray<DTypeOf<S>> {
    const array = create(options);
    if (array.backing === 'heap') {
      array.close();
      invalid('ERR_NDSHARE_NOT_SHAREABLE', "a shared backing ('shm', 'memfd', 'file' or 'sab')", 'options.backing', 'heap');
    }
    let mutex: Mutex;
    try {
      mutex = Mutex.create({ near: array });
    } catch (err) {
      array.close();
      throw err;
    }
    return new LockedArray(array, mutex);
  }

  /** Pairs an existing array with an existing mutex (both stay owned by the LockedArray: close() closes both). */
  static from<D extends DType>(array: NdArray<D>, mutex: Mutex): LockedArray<D> {
    if (!(mutex instanceof Mutex)) invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'a Mutex', 'LockedArray.from(array, mutex)', mutex);
    if (typeof array !== 'object' || array === null || !('data' in array)) invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'an NdArray', 'LockedArray.from(array)', array);
    return new LockedArray<D>(array, mutex);
  }

  /**
   * Attaches by handle in another process ('shm', 'file', 'memfd') or worker thread (any). Typed
   * like `attach()`: by a typed handle, or by `{ dtype }` (checked).
   */
  static attach<S extends DTypeLike>(handle: unknown, options: LockedArrayAttachOptions & { dtype: S }): LockedArray<DTypeOf<S>>;
  static attach<D extends DType = DType>(handle: LockedArrayHandle<D>, options?: LockedArrayAttachOptions): LockedArray<D>;
  static attach(handle: unknown, options?: LockedArrayAttachOptions): LockedArray;
  static attach(handle: unknown, options: LockedArrayAttachOptions = {}): LockedArray {
    const h = checkSyncEnvelope(handle, 'locked-array', 'locked array handle');
    const mode = checkOptions(options, 'LockedArray.attach() options', kLockedAttachOptions)['mode'] ?? 'r+';
    if (mode !== 'r+' && mode !== 'r') invalid('ERR_NDSHARE_INVALID_ARGUMENT', "'r+' or 'r'", 'options.mode', mode);
    const mutex = Mutex.attach(h['mutex']);
    try {
      return new LockedArray(attach(h['array'], { mode, ...(options?.dtype !== undefined ? { dtype: options.dtype } : {}) }), mutex);
    } catch (err) {
      mutex.close();
      throw err;
    }
  }

  /** The handle for `LockedArray.attach()`. JSON-safe unless the array is on 'sab'. */
  get handle(): LockedArrayHandle<D> {
    return { ndshare: 1, kind: 'locked-array', array: this.#array.handle, mutex: this.#mutex.handle };
  }

  /** The underlying array, for access WITHOUT the lock (your own locking, or read-only phases). */
  get array(): NdArray<D> {
    return this.#array;
  }

  /** The mutex every accessor takes. */
  get mutex(): Mutex {
    return this.#mutex;
  }

  get dtype(): D {
    return this.#array.dtype;
  }

  get shape(): readonly number[] {
    return this.#shape;
  }

  get size(): number {
    return this.#array.size;
  }

  /** Reads one element under the lock. `index`: a flat C-order index, or one index per dimension. */
  get(index: number | readonly number[]): Value<D> {
    const i = this.#flat(index, 'get(index)');
    return this.#locked(() => this.#data[i] as Value<D>);
  }

  /** Writes one element under the lock. */
  set(index: number | readonly number[], value: Value<D>): void {
    const i = this.#flat(index, 'set(index)');
    this.#locked(() => {
      (this.#data as { [k: number]: unknown })[i] = typeof value === 'boolean' ? Number(value) : value;
    });
  }

  /** Read-modify-write of one element under one lock; returns the new value. */
  update(index: number | readonly number[], fn: (value: Value<D>) => Value<D>): Value<D> {
    const i = this.#flat(index, 'update(index)');
    if (typeof fn !== 'function') invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'a function', 'update(index, fn)', fn);
    return this.#locked(() => {
      const d = this.#data as { [k: number]: unknown };
      const v = fn(d[i] as Value<D>);
      d[i] = typeof v === 'boolean' ? Number(v) : v;
      return d[i] as Value<D>;
    });
  }

  /** Copies elements [start, end) of the flat data under the lock (like `data.slice`). */
  getSlice(start = 0, end = this.size): TypedArrayMap[D] {
    const [a, b] = this.#range(start, end, 'getSlice');
    return this.#locked(() => this.#data.slice(a, b) as TypedArrayMap[D]);
  }

  /** Writes `values` into the flat data from `start`, under the lock. */
  setSlice(start: number, values: ArrayLike<ElementOf<D>>): void {
    if (typeof values !== 'object' || values === null || typeof values.length !== 'number') invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'an array or typed array', 'setSlice(start, values)', values);
    const [a] = this.#range(start, start + values.length, 'setSlice');
    this.#locked(() => (this.#data as { set(v: ArrayLike<unknown>, o: number): void }).set(values, a));
  }

  /**
   * Bulk operation under one blocking acquire: `fn(data, acquired)` may read and write the whole
   * flat TypedArray. If `acquired.ownerDied`, repair the data and call `mutex.markConsistent()`.
   */
  withLockSync<T>(fn: (data: TypedArrayMap[D], acquired: Acquired) => T, options?: LockOptions): T {
    return this.#mutex.withLockSync((acquired) => fn(this.#data as TypedArrayMap[D], acquired), options);
  }

  /** Bulk operation under one async acquire (for main threads). */
  withLock<T>(fn: (data: TypedArrayMap[D], acquired: Acquired) => T | Promise<T>, options?: LockOptions): Promise<T> {
    return this.#mutex.withLock((acquired) => fn(this.#data as TypedArrayMap[D], acquired), options);
  }

  /** Closes the array and the mutex (the creator also removes their names). Idempotent. */
  close(): void {
    try {
      this.#mutex.close();
    } finally {
      this.#array.close();
    }
  }

  /**
   * Runs an accessor under the lock. An accessor cannot repair data a dead holder left half
   * written, so after ownerDied it leaves the lock not recoverable (unlock without
   * markConsistent) and throws; `withLockSync` is the way to recover.
   */
  #locked<T>(fn: () => T): T {
    const got = this.#mutex.lockSync();
    if (got.state !== 'acquired') throw new NdshareError('ERR_NDSHARE_LOCK_TIMEOUT', 'Expected to acquire the lock of the array but the wait timed out');
    if (got.ownerDied) {
      this.#mutex.unlock();
      throw new NdshareError(
        'ERR_NDSHARE_LOCK_NOT_RECOVERABLE',
        'Expected a consistent array but the previous lock holder died inside its critical section; an element accessor cannot repair it, so the lock is now not recoverable (use withLockSync and markConsistent() to recover)',
      );
    }
    try {
      return fn();
    } finally {
      this.#mutex.unlock();
    }
  }

  #flat(index: number | readonly number[], what: string): number {
    if (typeof index === 'number') {
      if (!Number.isInteger(index) || index < 0 || index >= this.size) invalid('ERR_NDSHARE_INVALID_ARGUMENT', `an integer index in [0, ${this.size})`, what, index);
      if (this.#array.order === 'C' || this.#shape.length <= 1) return index;
      // Flat indexes are C-order (NumPy's .flat); map them onto a Fortran-order buffer.
      const idx: number[] = [];
      let rest = index;
      for (let d = this.#shape.length - 1; d >= 0; d--) {
        const n = this.#shape[d] ?? 1;
        idx.unshift(rest % n);
        rest = Math.floor(rest / n);
      }
      return this.#flat(idx, what);
    }
    if (!Array.isArray(index)) invalid('ERR_NDSHARE_INVALID_ARGUMENT', `an index or ${this.#shape.length} indexes`, what, index);
    return offsetOf(index, this.#shape, this.#steps, what);
  }

  #range(start: number, end: number, what: string): [number, number] {
    if (typeof start !== 'number' || !Number.isInteger(start) || start < 0 || start > this.size) invalid('ERR_NDSHARE_INVALID_ARGUMENT', `an integer in [0, ${this.size}]`, `${what}(start)`, start);
    if (typeof end !== 'number' || !Number.isInteger(end) || end < start || end > this.size) invalid('ERR_NDSHARE_INVALID_ARGUMENT', `an integer in [${start}, ${this.size}]`, `${what} end`, end);
    return [start, end];
  }
}
