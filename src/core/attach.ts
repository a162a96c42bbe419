/** attach() and open(): map memory someone else created, after validating what is there. */
import { resolve } from 'node:path';
import { dtypeInfo, type DType, type DTypeInfo, type DTypeLike, type DTypeOf } from './dtype.js';
import { invalid } from '../errors.js';
import { checkPrefault, prefaultArray } from './prefault.js';
import { BACKING_TABLE } from './backings/index.js';
import { mapFile } from './backings/file.js';
import { checkExpectedDType, checkHandle, expectedDType, type Handle } from './handle.js';
import type { NdArray } from './ndarray.js';
import { checkMode, checkOptions, optionNames, type Mode } from './validate.js';

/** Options for `attach()`. */
export interface AttachOptions {
  /** 'r+' shared read-write (default), 'r' read-only, 'c' copy-on-write. */
  mode?: Mode;
  /**
   * The dtype you expect ('float64' or '<f8'): the handle's dtype must be this one, or attach()
   * throws ERR_NDSHARE_HANDLE_MISMATCH before mapping anything. The result is then typed
   * `NdArray<'float64'>`, the way to type a handle that came as JSON or in a message.
   */
  dtype?: DTypeLike;
  /**
   * Map every page now, for a reader that will visit every element: one kernel call per core
   * (MADV_POPULATE_READ, Linux 5.14; a read per page before) instead of one page fault per 4 KiB
   * as the reading goes. It costs time up front and gains nothing for a reader that touches a
   * few elements. Default false.
   */
  prefault?: boolean;
}

/** Options for `open()`. */
export interface OpenOptions extends AttachOptions {
  /**
   * What to do with data that cannot be viewed in place (big-endian, or not aligned to its item
   * size): 'refuse' (default) throws; 'copy' returns a converted copy on the heap.
   */
  convert?: 'refuse' | 'copy';
  /** Accept Fortran-order (column-major) files, mapped as they are with `order: 'F'` strides. */
  allowFortran?: boolean;
}

const kAttachOptions = optionNames<AttachOptions>({ mode: true, dtype: true, prefault: true });
const kOpenOptions = optionNames<OpenOptions>({ mode: true, dtype: true, convert: true, allowFortran: true, prefault: true });

/**
 * Attaches an array by handle, in any process (shm, file, memfd) or thread (all, including sab).
 * With `{ dtype }` the handle's dtype is checked (ERR_NDSHARE_HANDLE_MISMATCH) and the result typed
 * by it: `attach(JSON.parse(msg), { dtype: 'float64' })` is an `NdArray<'float64'>`.
 */
export function attach<S extends DTypeLike>(handle: unknown, options: AttachOptions & { dtype: S }): NdArray<DTypeOf<S>>;
/**
 * Attaches an array by handle. A typed handle (`array.handle` of an `NdArray<'float64'>`) gives an
 * array of its dtype; any other value is validated at run time and gives an `NdArray` of any dtype:
 * narrow it with `array.is('float64')` or pass `{ dtype }`.
 */
export function attach<D extends DType = DType>(handle: Handle<D>, options?: AttachOptions): NdArray<D>;
export function attach(handle: unknown, options?: AttachOptions): NdArray;
export function attach(handle: unknown, options?: AttachOptions): NdArray {
  const h = checkHandle(handle);
  const o = checkOptions(options, 'attach() options', kAttachOptions);
  const mode = checkMode(o['mode']);
  const want = expectedDType(o['dtype']);
  const prefault = checkPrefault(o['prefault']);
  if (want) checkExpectedDType(h.dtype, want, 'options.dtype', h.backing === 'shm' ? h.name : h.backing === 'file' ? h.path : `the ${h.backing} handle`);
  const expect = { info: dtypeInfo(h.dtype), shape: h.shape };
  const array = attachBacking(h, mode, expect);
  if (prefault) prefaultArray(array);
  return array;
}

// One call per backing keeps each handle type paired with its own module's attach.
function attachBacking(h: Handle, mode: Mode, expect: { info: DTypeInfo; shape: readonly number[] }): NdArray {
  switch (h.backing) {
    case 'shm':
      return BACKING_TABLE.shm.attach(h, mode, expect);
    case 'memfd':
      return BACKING_TABLE.memfd.attach(h, mode, expect);
    case 'file':
      return BACKING_TABLE.file.attach(h, mode, expect);
    case 'sab':
      return BACKING_TABLE.sab.attach(h, mode, expect);
  }
}

/**
 * Opens an existing .npy file (written by NumPy or ndshare) as a zero-copy mapping. Its dtype is
 * the file's: pass `{ dtype }` to check it (ERR_NDSHARE_HANDLE_MISMATCH) and type the result.
 */
export function open<S extends DTypeLike>(path: string, options: OpenOptions & { dtype: S }): NdArray<DTypeOf<S>>;
export function open(path: string, options?: OpenOptions): NdArray;
export function open(path: string, options?: OpenOptions): NdArray {
  if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'a .npy file path', 'path', path);
  const o = checkOptions(options, 'open() options', kOpenOptions);
  const mode = checkMode(o['mode']);
  const convert = o['convert'] ?? 'refuse';
  if (convert !== 'refuse' && convert !== 'copy') invalid('ERR_NDSHARE_INVALID_ARGUMENT', "'refuse' or 'copy'", 'options.convert', convert);
  const allowFortran = o['allowFortran'] ?? false;
  if (typeof allowFortran !== 'boolean') invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'a boolean', 'options.allowFortran', allowFortran);
  const want = expectedDType(o['dtype']);
  const prefault = checkPrefault(o['prefault']);
  const array = mapFile(resolve(path), mode, { convert, allowFortran });
  if (want) {
    try {
      checkExpectedDType(array.dtype, want, 'options.dtype', array.path ?? path);
    } catch (err) {
      // The header is only known once mapped: let the mapping go before reporting.
      array.close();
      throw err;
    }
  }
  if (prefault) prefaultArray(array);
  return array;
}
