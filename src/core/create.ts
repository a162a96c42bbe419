/** create(): a new array on any backing (the backing's module does the work, see backings/). */
import { resolveDType, type DTypeLike, type DTypeOf } from './dtype.js';
import { invalid } from '../errors.js';
import { BACKING_TABLE } from './backings/index.js';
import { BACKINGS, type Backing, type NdArray } from './ndarray.js';
import { checkFill, checkOptions, checkShape, optionNames, sizeOf } from './validate.js';

/** Options for `create()`. */
export interface CreateOptions<S extends DTypeLike = DTypeLike> {
  /** Element type: a NumPy name ('float64') or little-endian descr ('<f8'); it types the result. */
  dtype: S;
  /** Dimensions; a number is a 1-d shape. `[]` is a 0-d array (one element). */
  shape: readonly number[] | number;
  /** Where the memory lives. Default 'shm'. */
  backing?: Backing;
  /** For backing 'file': the .npy path to create (must not exist). */
  path?: string;
  /** Value for every element. Without it, memory starts zeroed. */
  fill?: number | bigint | boolean;
  /** For backing 'file': permission bits of the new file (default 0o600). */
  mode?: number;
  /**
   * For backing 'memfd': 'read-only' seals it against writes by anyone but this array's own
   * mapping (F_SEAL_FUTURE_WRITE): consumers attach with mode 'r'. Default 'read-write'.
   */
  publish?: 'read-write' | 'read-only';
}

const kCreateOptions = optionNames<CreateOptions>({ dtype: true, shape: true, backing: true, path: true, fill: true, mode: true, publish: true });

/**
 * Creates an array. Shared backings ('shm', 'memfd', 'file') reserve all their space up front, so
 * a full file system fails here with ENOSPC rather than later with SIGBUS.
 */
export function create<S extends DTypeLike>(options: CreateOptions<S>): NdArray<DTypeOf<S>> {
  const o = checkOptions(options, 'create() options', kCreateOptions);
  const info = resolveDType(o['dtype'], 'options.dtype');
  const shape = checkShape(o['shape'], 'options.shape');
  const backing = (o['backing'] ?? 'shm') as Backing;
  if (!BACKINGS.includes(backing)) invalid('ERR_NDSHARE_INVALID_ARGUMENT', `one of ${BACKINGS.map((b) => `'${b}'`).join(', ')}`, 'options.backing', o['backing']);
  const fill = checkFill(o['fill'], info);
  const { nbytes } = sizeOf(shape, info);
  if (o['path'] !== undefined && backing !== 'file') invalid('ERR_NDSHARE_INVALID_ARGUMENT', "no path unless backing is 'file'", 'options.path', o['path']);
  if (o['mode'] !== undefined && backing !== 'file') {
    invalid('ERR_NDSHARE_INVALID_ARGUMENT', "no mode unless backing is 'file' (segments are always 0600)", 'options.mode', o['mode']);
  }
  if (o['publish'] !== undefined && backing !== 'memfd') invalid('ERR_NDSHARE_INVALID_ARGUMENT', "no publish unless backing is 'memfd'", 'options.publish', o['publish']);
  return BACKING_TABLE[backing].create<DTypeOf<S>>({ info, shape, nbytes, fill, options: o });
}
