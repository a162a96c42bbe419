/** The messages between the `--handoff` sender (handoff-cell.ts) and its running receiver. */
import type { Handle } from '../core/handle.js';

/**
 * Sender to receiver: a handle to attach, and the element count the view must have; or a bare
 * ping, answered at once with the time it arrived (the channel's own part of a handoff).
 */
export type HandoffRequest = { readonly handle: Handle; readonly n: number } | { readonly ping: true };

/**
 * Receiver to sender: when the message reached its handler and when it held the view (monotonic
 * ns as decimal text), or what went wrong.
 */
export type HandoffReply = { readonly arrivedAt: string; readonly viewAt: string } | { readonly error: string };
