/**
 * Handles: the plain objects that name a shared array so another process or thread can attach it.
 * Every message that crosses a process or thread boundary about an array is one of these.
 */
import { invalid, NdshareError } from '../errors.js';
import { resolveDType, type DType } from './dtype.js';
import { checkShape, type Order } from './validate.js';

/** Current handle format version. */
export const kHandleVersion = 1;

interface HandleBase<D extends DType> {
  /** Format version (1). */
  readonly ndshare: 1;
  /** The array's dtype. Its type parameter carries it to `attach()`, which returns an `NdArray<D>`. */
  readonly dtype: D;
  readonly shape: readonly number[];
}

/** Named POSIX shared memory: attach by name from any process of the same user. */
export interface ShmHandle<D extends DType = DType> extends HandleBase<D> {
  readonly backing: 'shm';
  /** Segment name as given to shm_open ('/ndshare-<pid>-<hex>'). */
  readonly name: string;
}

/** Anonymous memfd: attach from the creator's process, or from a child that inherited it. */
export interface MemfdHandle<D extends DType = DType> extends HandleBase<D> {
  readonly backing: 'memfd';
  /** Process that holds the fd, and the fd number in that process. */
  readonly pid: number;
  readonly fd: number;
  /**
   * Inode number of the memfd. Optional for hand-made handles; when present, attach() refuses an
   * fd that now holds another memfd (the array was closed and a new one reused the fd number).
   */
  readonly ino?: number;
}

/** A memory-mapped .npy file. */
export interface FileHandle<D extends DType = DType> extends HandleBase<D> {
  readonly backing: 'file';
  readonly path: string;
  readonly order?: Order;
}

/**
 * A SharedArrayBuffer view, for threads of one process. Not JSON: post it with `postMessage` or
 * pass it in `workerData` (structured clone keeps the buffer shared).
 */
export interface SabHandle<D extends DType = DType> extends HandleBase<D> {
  readonly backing: 'sab';
  readonly buffer: SharedArrayBuffer;
  readonly byteOffset: number;
  readonly order?: Order;
}

/**
 * Anything `attach()` accepts. `array.handle` of an `NdArray<'float64'>` is a `Handle<'float64'>`,
 * and `attach()` of it is an `NdArray<'float64'>` again; a handle read from JSON is checked at run
 * time (and `attach(h, { dtype })` checks its dtype too).
 */
export type Handle<D extends DType = DType> = ShmHandle<D> | MemfdHandle<D> | FileHandle<D> | SabHandle<D>;

const EXPECTED = "an ndshare handle ({ ndshare: 1, backing: 'shm' | 'memfd' | 'file' | 'sab', dtype, shape, ... })";

function field(obj: Record<string, unknown>, key: string): unknown {
  try {
    return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
  } catch (err) {
    // A getter or Proxy trap that throws: still the caller's bad handle, reported as one.
    throw new NdshareError('ERR_NDSHARE_INVALID_HANDLE', `Expected a plain object for handle but reading its '${key}' field threw`, { cause: err });
  }
}

/** The dtype and shape fields of an untrusted handle-like object, as ERR_NDSHARE_INVALID_HANDLE. */
export function checkDtypeAndShape(h: Record<string, unknown>, what: string): { dtype: DType; shape: number[] } {
  try {
    return { dtype: resolveDType(field(h, 'dtype'), `${what}.dtype`).name, shape: checkShape(field(h, 'shape'), `${what}.shape`) };
  } catch (err) {
    const message = err instanceof NdshareError ? err.message : `Expected a plain dtype and shape for ${what} but reading them threw`;
    throw new NdshareError('ERR_NDSHARE_INVALID_HANDLE', message, { cause: err });
  }
}

/** Validates an untrusted handle (from JSON, a message, argv) and returns a clean copy. */
export function checkHandle(value: unknown, what = 'handle'): Handle {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return invalid('ERR_NDSHARE_INVALID_HANDLE', EXPECTED, what, value);
  const h = value as Record<string, unknown>;
  if (field(h, 'ndshare') !== kHandleVersion) {
    return invalid('ERR_NDSHARE_INVALID_HANDLE', `handle format version ${kHandleVersion} (field 'ndshare')`, what, field(h, 'ndshare'));
  }
  const base = { ndshare: 1 as const, ...checkDtypeAndShape(h, what) };
  const backing = field(h, 'backing');
  const order = field(h, 'order');
  if (order !== undefined && order !== 'C' && order !== 'F') return invalid('ERR_NDSHARE_INVALID_HANDLE', "'C' or 'F'", `${what}.order`, order);
  switch (backing) {
    case 'shm': {
      const name = field(h, 'name');
      if (typeof name !== 'string' || !/^\/[A-Za-z0-9._-]{1,250}$/.test(name)) {
        return invalid('ERR_NDSHARE_INVALID_HANDLE', "a segment name like '/ndshare-123-<hex>'", `${what}.name`, name);
      }
      return { ...base, backing, name };
    }
    case 'memfd': {
      const pid = field(h, 'pid');
      const fd = field(h, 'fd');
      if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return invalid('ERR_NDSHARE_INVALID_HANDLE', 'a positive pid', `${what}.pid`, pid);
      if (typeof fd !== 'number' || !Number.isSafeInteger(fd) || fd < 0) return invalid('ERR_NDSHARE_INVALID_HANDLE', 'a file descriptor number', `${what}.fd`, fd);
      const ino = field(h, 'ino');
      if (ino === undefined) return { ...base, backing, pid, fd };
      if (typeof ino !== 'number' || !Number.isSafeInteger(ino) || ino < 0) return invalid('ERR_NDSHARE_INVALID_HANDLE', 'an inode number', `${what}.ino`, ino);
      return { ...base, backing, pid, fd, ino };
    }
    case 'file': {
      const path = field(h, 'path');
      if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) return invalid('ERR_NDSHARE_INVALID_HANDLE', 'a file path', `${what}.path`, path);
      return order === undefined ? { ...base, backing, path } : { ...base, backing, path, order };
    }
    case 'sab': {
      const buffer = field(h, 'buffer');
      const byteOffset = field(h, 'byteOffset') ?? 0;
      if (!(buffer instanceof SharedArrayBuffer)) return invalid('ERR_NDSHARE_INVALID_HANDLE', 'a SharedArrayBuffer', `${what}.buffer`, buffer);
      if (typeof byteOffset !== 'number' || !Number.isSafeInteger(byteOffset) || byteOffset < 0) {
        return invalid('ERR_NDSHARE_INVALID_HANDLE', 'a non-negative byte offset', `${what}.byteOffset`, byteOffset);
      }
      return order === undefined ? { ...base, backing, buffer, byteOffset } : { ...base, backing, buffer, byteOffset, order };
    }
    default:
      return invalid('ERR_NDSHARE_INVALID_HANDLE', "backing 'shm', 'memfd', 'file' or 'sab'", `${what}.backing`, backing);
  }
}

/**
 * The check behind every `{ dtype }` option (attach, open, inheritedArrays, receive): the caller's
 * expected dtype (already resolved, see `expectedDType`) against the dtype the array holds. Callers
 * check before mapping wherever a handle says the dtype, so a refusal leaves nothing behind.
 */
export function checkExpectedDType(got: DType, want: DType, what: string, source: string): void {
  if (want === got) return;
  throw new NdshareError(
    'ERR_NDSHARE_HANDLE_MISMATCH',
    `Expected dtype ${want} (${what}) for ${source} but it holds ${got}; pass the dtype it was created with, ` +
      'or leave out the dtype option and branch on array.dtype or array.is()',
  );
}

/** The `dtype` option of attach, open, inheritedArrays and receive, resolved; undefined when absent. */
export function expectedDType(value: unknown, what = 'options.dtype'): DType | undefined {
  return value === undefined ? undefined : resolveDType(value, what).name;
}
