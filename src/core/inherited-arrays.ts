/**
 * The child's side of inheritance (spawn-with-arrays.ts is the parent's): `inheritedArrays()` maps
 * the arrays a parent passed as fds in the spawn `stdio` array. Kept apart from the parent's side
 * so that a receiver does not load node:child_process.
 */
import { constants } from 'node:fs';
import { BACKING_TABLE } from './backings/index.js';
import { refuseWritableIfReadOnly } from './backings/memfd.js';
import { mapFd } from './map-npy.js';
import { native, O_CLOEXEC } from './native.js';
import { invalid, NdshareError, fromSystemError } from '../errors.js';
import { dtypeInfo, type DType, type DTypeLike, type DTypeOf } from './dtype.js';
import { kInheritEnv, kShmDir } from './layout.js';
import type { NdArray } from './ndarray.js';
import { closeQuietly } from './fd.js';
import { checkMode, checkOptions, optionNames, type Mode } from './validate.js';
import { checkDtypeAndShape, checkExpectedDType, expectedDType } from './handle.js';

/** One inherited array as described to the child in NDSHARE_INHERIT. */
export interface InheritEntry {
  fd: number;
  backing: 'shm' | 'memfd' | 'file';
  dtype: DType;
  shape: number[];
  name?: string;
  path?: string;
}


let inheritedTaken = false;

const kInheritedOptions = optionNames<InheritedOptions>({ mode: true, dtype: true });

/** Options for `inheritedArrays()`. */
export interface InheritedOptions {
  /** 'r+' shared read-write (default), 'r' read-only, 'c' copy-on-write. */
  mode?: Mode;
  /**
   * The dtypes you expect: one for every array ('float64'), or one per array in order
   * (['float64', 'int32'], which also fixes their count). Checked before anything is mapped
   * (ERR_NDSHARE_HANDLE_MISMATCH) and types the result.
   */
  dtype?: DTypeLike | readonly DTypeLike[];
}

/** The arrays `inheritedArrays({ dtype: [...] })` returns: one NdArray per listed dtype. */
export type InheritedTuple<T extends readonly DTypeLike[]> = { -readonly [I in keyof T]: NdArray<DTypeOf<T[I]>> };

/**
 * In a child started by `spawnWithArrays`/`forkWithArrays`: maps the inherited arrays, in the
 * order they were passed. Call once; the inherited fds are replaced by close-on-exec ones so a
 * grandchild does not inherit them by accident. With `{ dtype }` their dtypes are checked and typed.
 */
export function inheritedArrays<const T extends readonly DTypeLike[]>(options: InheritedOptions & { dtype: T }): InheritedTuple<T>;
export function inheritedArrays<S extends DTypeLike>(options: InheritedOptions & { dtype: S }): NdArray<DTypeOf<S>>[];
export function inheritedArrays(options?: InheritedOptions): NdArray[];
export function inheritedArrays(options: InheritedOptions = {}): NdArray[] {
  const o = checkOptions(options, 'inheritedArrays() options', kInheritedOptions);
  const mode = checkMode(o['mode']);
  const wanted = expectedDTypes(o['dtype']);
  const raw = process.env[kInheritEnv];
  if (raw === undefined || inheritedTaken) {
    throw new NdshareError(
      'ERR_NDSHARE_NO_INHERITED',
      `Expected arrays inherited from a parent (${kInheritEnv} set by spawnWithArrays or forkWithArrays) but ${raw === undefined ? 'there are none' : 'they were already taken'}`,
    );
  }
  let entries: unknown;
  try {
    entries = JSON.parse(raw);
  } catch {
    entries = undefined;
  }
  if (!Array.isArray(entries)) return invalid('ERR_NDSHARE_INVALID_HANDLE', 'a JSON array of inherited arrays', kInheritEnv, raw);
  inheritedTaken = true;
  delete process.env[kInheritEnv];
  if (wanted) checkInheritedDTypes(entries, wanted);
  const taken: NdArray[] = [];
  try {
    for (const [i, e] of entries.entries()) taken.push(takeInherited(e, i, mode));
  } catch (err) {
    // All or nothing: the arrays mapped before the bad entry must not keep their fds and locks.
    for (const a of taken) a.close();
    throw err;
  }
  return taken;
}

/** The `dtype` option of inheritedArrays(), resolved: one dtype for all, or one per array. */
function expectedDTypes(value: unknown): DType | readonly DType[] | undefined {
  if (!Array.isArray(value)) return expectedDType(value);
  return value.map((v: unknown, i) => expectedDType(v, `options.dtype[${i}]`) ?? invalid('ERR_NDSHARE_INVALID_DTYPE', 'a dtype', `options.dtype[${i}]`, v));
}

/**
 * Refuses a dtype or count the caller did not expect, before any entry is mapped. The inherited
 * fds then all go: the caller cannot take them again (taken once), so nothing else would close them.
 */
function checkInheritedDTypes(entries: readonly unknown[], wanted: DType | readonly DType[]): void {
  try {
    if (typeof wanted !== 'string' && wanted.length !== entries.length) {
      throw new NdshareError('ERR_NDSHARE_HANDLE_MISMATCH', `Expected ${wanted.length} inherited arrays (options.dtype) but the parent passed ${entries.length}`);
    }
    for (const [i, e] of entries.entries()) {
      const [want, what] = typeof wanted === 'string' ? [wanted, 'options.dtype'] : [wanted[i], `options.dtype[${i}]`];
      if (!want) continue;
      checkExpectedDType(checkDtypeAndShape(isObject(e) ? e : {}, `${kInheritEnv}[${i}]`).dtype, want, what, `inherited array ${i}`);
    }
  } catch (err) {
    for (const e of entries) {
      const fd = isObject(e) ? e['fd'] : undefined;
      if (typeof fd === 'number' && Number.isSafeInteger(fd) && fd >= 3) closeQuietly(fd);
    }
    throw err;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function takeInherited(value: unknown, index: number, mode: Mode): NdArray {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return invalid('ERR_NDSHARE_INVALID_HANDLE', 'an inherited-array entry object', `${kInheritEnv}[${index}]`, value);
  const e = value as Partial<InheritEntry>;
  const fdIn = e.fd;
  if (typeof fdIn !== 'number' || !Number.isSafeInteger(fdIn) || fdIn < 3) return invalid('ERR_NDSHARE_INVALID_HANDLE', 'an fd number of at least 3', `${kInheritEnv}[${index}].fd`, fdIn);
  // Validate the rest as a handle's fields are validated.
  const h = checkDtypeAndShape(e as Record<string, unknown>, `${kInheritEnv}[${index}]`);
  const info = dtypeInfo(h.dtype);
  const backing = e.backing;
  if (backing !== 'memfd' && backing !== 'shm' && backing !== 'file') return invalid('ERR_NDSHARE_INVALID_HANDLE', "'memfd', 'shm' or 'file'", `${kInheritEnv}[${index}].backing`, backing);
  const source = `inherited fd ${fdIn}`;
  let fd: number;
  try {
    // Reopen through /proc to get a close-on-exec fd of our own, then drop the inherited one.
    fd = native().openFd(`/proc/self/fd/${fdIn}`, (mode === 'r+' ? constants.O_RDWR : constants.O_RDONLY) | O_CLOEXEC, 0);
  } catch (err) {
    throw fromSystemError(err, `take ${source}`);
  } finally {
    // The inherited fd is no longer needed whatever happens next, a failed reopen included;
    // failing to close it must not leak the new one.
    closeQuietly(fdIn);
  }
  // From here on exactly as attach(): header, size, ownership and liveness checks, then the map.
  const path = (newFd: number): string =>
    backing === 'memfd' ? `/proc/${process.pid}/fd/${newFd}` : e.path ?? (e.name ? `${kShmDir}${e.name}` : source);
  const rules = {
    expect: { info, shape: h.shape },
    order: 'C' as const,
    requireName: false,
    ...(backing === 'shm' ? { segment: true } : {}),
    // The reopened fd is an open file description of our own: hold the liveness lock on it too.
    ...(backing === 'memfd' ? { liveness: true } : {}),
    ...(e.name ? { name: e.name } : {}),
  };
  if (backing === 'memfd') refuseWritableIfReadOnly(fd, mode, source);
  return mapFd(fd, source, BACKING_TABLE[backing].ops, mode, rules, path);
}
