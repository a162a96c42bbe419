/** attach() and open(): map memory someone else created, after validating what is there. */
import { resolve } from 'node:path';
import { dtypeInfo, type DType } from './dtype.js';
import { invalid } from '../errors.js';
import { BACKING_TABLE } from './backings/index.js';
import { mapFile } from './backings/file.js';
import { checkHandle, type Handle } from './handle.js';
import type { NdArray } from './ndarray.js';
import { checkMode, checkOptions, optionNames, type Mode } from './validate.js';

/** Options for `attach()`. */
export interface AttachOptions {
  /** 'r+' shared read-write (default), 'r' read-only, 'c' copy-on-write. */
  mode?: Mode;
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

const kAttachOptions = optionNames<AttachOptions>({ mode: true });
const kOpenOptions = optionNames<OpenOptions>({ mode: true, convert: true, allowFortran: true });

/** Attaches an array by handle, in any process (shm, file, memfd) or thread (all, including sab). */
export function attach<D extends DType = DType>(handle: Handle | unknown, options?: AttachOptions): NdArray<D> {
  const h = checkHandle(handle);
  const mode = checkMode(checkOptions(options, 'attach() options', kAttachOptions)['mode']);
  const expect = { info: dtypeInfo(h.dtype), shape: h.shape };
  // One call per backing keeps each handle type paired with its own module's attach.
  switch (h.backing) {
    case 'shm':
      return BACKING_TABLE.shm.attach<D>(h, mode, expect);
    case 'memfd':
      return BACKING_TABLE.memfd.attach<D>(h, mode, expect);
    case 'file':
      return BACKING_TABLE.file.attach<D>(h, mode, expect);
    case 'sab':
      return BACKING_TABLE.sab.attach<D>(h, mode, expect);
  }
}

/** Opens an existing .npy file (written by NumPy or ndshare) as a zero-copy mapping. */
export function open<D extends DType = DType>(path: string, options?: OpenOptions): NdArray<D> {
  if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'a .npy file path', 'path', path);
  const o = checkOptions(options, 'open() options', kOpenOptions);
  const mode = checkMode(o['mode']);
  const convert = o['convert'] ?? 'refuse';
  if (convert !== 'refuse' && convert !== 'copy') invalid('ERR_NDSHARE_INVALID_ARGUMENT', "'refuse' or 'copy'", 'options.convert', convert);
  const allowFortran = o['allowFortran'] ?? false;
  if (typeof allowFortran !== 'boolean') invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'a boolean', 'options.allowFortran', allowFortran);
  return mapFile<D>(resolve(path), mode, { convert, allowFortran });
}
