/** What `create()` hands a backing module once the options are validated. */
import type { DTypeInfo } from '../dtype.js';
import type { Fill } from '../fd.js';

export interface CreateRequest {
  readonly info: DTypeInfo;
  readonly shape: readonly number[];
  readonly nbytes: number;
  readonly fill: Fill;
  /** The raw options object, for backing-specific options (`path` and `mode` for 'file'). */
  readonly options: Readonly<Record<string, unknown>>;
}
