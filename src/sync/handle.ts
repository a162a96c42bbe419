/**
 * Handles of the synchronization objects: the plain objects that cross process and thread
 * boundaries (JSON for 'shm' and 'memfd' segments). Validated on every attach.
 */
import { invalid } from '../errors.js';
import type { DType } from '../core/dtype.js';
import type { Handle } from '../core/handle.js';
import type { SyncSegmentHandle } from './word-segment.js';

/** Names a Mutex for `Mutex.attach()` in another process or thread. JSON-safe. */
export interface MutexHandle {
  readonly ndshare: 1;
  readonly kind: 'mutex';
  readonly segment: SyncSegmentHandle;
}

/** Names a Barrier for `Barrier.attach()`. JSON-safe. */
export interface BarrierHandle {
  readonly ndshare: 1;
  readonly kind: 'barrier';
  readonly parties: number;
  readonly segment: SyncSegmentHandle;
}

/**
 * Names a LockedArray: the array's handle and its mutex's handle. JSON-safe unless the array is
 * on the 'sab' backing (then post it to a worker; do not stringify it).
 */
export interface LockedArrayHandle<D extends DType = DType> {
  readonly ndshare: 1;
  readonly kind: 'locked-array';
  readonly array: Handle<D>;
  readonly mutex: MutexHandle;
}

const kinds = {
  mutex: "a mutex handle ({ ndshare: 1, kind: 'mutex', segment })",
  barrier: "a barrier handle ({ ndshare: 1, kind: 'barrier', parties, segment })",
  'locked-array': "a locked array handle ({ ndshare: 1, kind: 'locked-array', array, mutex })",
} as const;

/** Checks the envelope of a sync handle (version and kind) and returns it as a record. */
export function checkSyncEnvelope(value: unknown, kind: keyof typeof kinds, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return invalid('ERR_NDSHARE_INVALID_HANDLE', kinds[kind], what, value);
  const h = value as Record<string, unknown>;
  const own = (k: string): unknown => (Object.prototype.hasOwnProperty.call(h, k) ? h[k] : undefined);
  if (own('ndshare') !== 1) return invalid('ERR_NDSHARE_INVALID_HANDLE', 'handle format version 1 (field ndshare)', `${what}.ndshare`, own('ndshare'));
  if (own('kind') !== kind) return invalid('ERR_NDSHARE_INVALID_HANDLE', `kind '${kind}'`, `${what}.kind`, own('kind'));
  return h;
}
