/** The one message a benchmark receiver (src/bench/receiver.ts) sends back to its cell. */

/** Monotonic nanoseconds as decimal strings (they exceed 2^53), plus what the child saw. */
export interface ChildReply {
  /** When `receive()` returned: the child has a view of the array. */
  readonly viewAt: string;
  /** When the confirmation read (shape, or full checksum) finished. */
  readonly readAt: string;
  readonly shape: readonly number[];
  /**
   * Sum of every element with --verify, as a decimal string (a 64-bit integer sum is a bigint,
   * which neither JSON nor every method's channel carries), else null.
   */
  readonly checksum: string | null;
}

/** Checks a reply that came from the child before the cell trusts its numbers. */
export function checkReply(value: unknown): ChildReply | string {
  const r = value as Partial<ChildReply> | null;
  if (typeof r !== 'object' || r === null) return 'the child replied with a non-object';
  if (typeof r.viewAt !== 'string' || !/^\d+$/.test(r.viewAt) || typeof r.readAt !== 'string' || !/^\d+$/.test(r.readAt)) return 'the child replied without its times';
  if (!Array.isArray(r.shape) || !r.shape.every((d) => Number.isSafeInteger(d))) return 'the child replied without a shape';
  if (r.checksum !== null && typeof r.checksum !== 'string') return 'the child replied with a bad checksum';
  return r as ChildReply;
}
