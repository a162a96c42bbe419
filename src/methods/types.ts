/**
 * The contract every sharing method implements (one file per method in src/methods/), and the
 * typed messages that cross the parent/child boundary. The benchmark and the public `share()` /
 * `receive()` API are built on this interface only.
 */

/** Where the receiving side runs. */
export type Kind = 'process' | 'thread';

/** Method names: a contract (the benchmark's JSON uses them). */
export type MethodName =
  | 'inherit'
  | 'argument'
  | 'pipe'
  | 'queue'
  | 'queue-json'
  | 'locked'
  | 'raw'
  | 'shm'
  | 'mmap'
  | 'manager'
  | 'transfer'
  | 'sab';

/** Whether a method works for a kind, and how (or why not). */
export type Support = { readonly supported: true; readonly how: string } | { readonly supported: false; readonly why: string };

/** Static description of a method, shown by the registry and the benchmark. */
export interface MethodInfo {
  readonly name: MethodName;
  /** Human title for tables ("Inheritance (memfd in stdio)"). */
  readonly title: string;
  /** The study's method this one maps to, or null for Node-only methods (transfer, sab, queue-json). */
  readonly study: string | null;
  /** True when the child receives a copy (its writes are not seen by the parent). */
  readonly copies: boolean;
  readonly kinds: { readonly process: Support; readonly thread: Support };
}
