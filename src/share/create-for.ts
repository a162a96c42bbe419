/** `createFor()`: a new array whose backing suits a method and kind. */
import { unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '../core/create.js';
import type { DTypeLike, DTypeOf } from '../core/dtype.js';
import type { NdArray } from '../core/ndarray.js';
import { randomHex } from '../core/random.js';
import { requiredBackings, type MethodName } from '../methods/table.js';
import type { Kind } from '../methods/types.js';
import { checkOptions, optionNames } from '../core/validate.js';

/** Options for `createFor()`. */
export interface CreateForOptions<S extends DTypeLike = DTypeLike> {
  /** Element type: a NumPy name ('float64') or little-endian descr ('<f8'); it types the result. */
  dtype: S;
  shape: readonly number[] | number;
  fill?: number | bigint | boolean;
  /** For 'mmap': the directory of the .npy file (default os.tmpdir()). */
  dir?: string;
}

const kCreateForOptions = optionNames<CreateForOptions>({ dtype: true, shape: true, fill: true, dir: true });

const tempFiles = new Set<string>();
let hooked = false;

/** Files createFor made are removed at exit even if the caller forgets `unlink()`. */
function removeAtExit(path: string): void {
  tempFiles.add(path);
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const p of tempFiles) {
      try {
        unlinkSync(p);
      } catch {
        // Already unlinked by its owner.
      }
    }
  });
}

/**
 * Creates an array in the backing `method` needs for `kind`: the first backing the registry lists,
 * or 'heap' for the copying methods. For 'mmap', a new .npy file in `dir` (default os.tmpdir()),
 * removed by `array.unlink()` or at exit.
 */
export function createFor<S extends DTypeLike>(method: MethodName, kind: Kind, options: CreateForOptions<S>): NdArray<DTypeOf<S>> {
  checkOptions(options, 'createFor() options', kCreateForOptions);
  const backing = requiredBackings(method, kind)?.[0] ?? 'heap';
  const base = { dtype: options.dtype, shape: options.shape, ...(options.fill !== undefined ? { fill: options.fill } : {}) };
  if (backing !== 'file') return create({ ...base, backing });
  const path = join(options.dir ?? tmpdir(), `ndshare-${process.pid}-${randomHex(16)}.npy`);
  const array = create({ ...base, backing: 'file', path });
  removeAtExit(path);
  return array;
}
