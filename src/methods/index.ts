/**
 * The registry of sharing methods, and the API built on it.
 *
 * Interface (stable; the benchmark builds on it):
 * - `METHODS`: every method's static `MethodInfo` (name, title, study analog, `copies`, and for
 *   each kind `{ supported: true, how } | { supported: false, why }`), in the table's order.
 * - `methodInfo(name)`, `supports(name, kind)`: look-ups; unknown names throw
 *   ERR_NDSHARE_INVALID_ARGUMENT.
 * - `createFor(method, kind, { dtype, shape, fill?, dir? })`: a new array whose backing suits the
 *   method (memfd for inherit/raw processes, shm for shm, a .npy file in os.tmpdir() for mmap,
 *   sab for sab, heap for transfer and the copying methods).
 * - Parent: `const peer = await share(array, { method, kind, entry, chunkBytes?, ... })`; then
 *   `await peer.reply()` (the child's next `reply()` value, or its typed error, or
 *   ERR_NDSHARE_CHILD_FAILED if it died), `peer.send(v)`, `await peer.close()` / `peer.exited`.
 *   Unsupported method x kind: ERR_NDSHARE_UNSUPPORTED with the registry's reason.
 * - Child (`entry`): `const got = await receive()` from 'ndshare/receive' (cheap to import);
 *   `got.form === 'array' ? got.array : got.proxy` (manager), then `await got.reply(value)`.
 *   For 'locked', `got.locked` is the LockedArray (read through it) and `peer.mutex` the parent's.
 * - Children do not inherit the parent's Node options (`execArgv: []` unless given); a non-Node
 *   child (`command: 'python3'`) reads NDSHARE_SHARE and replies on NODE_CHANNEL_FD.
 * - `checksum(array)`: the sum of the elements, as children report it.
 */
import { invalid } from '../errors.js';
import { argument } from './argument.js';
import { inherit } from './inherit.js';
import { mmap } from './mmap.js';
import { pipe } from './pipe.js';
import { queue } from './queue.js';
import { queueJson } from './queue-json.js';
import { raw } from './raw.js';
import { sab } from './sab.js';
import { shm } from './shm.js';
import { transfer } from './transfer.js';
import { manager } from './manager.js';
import { locked } from './locked.js';
import { METHOD_NAMES, type Kind, type Method, type MethodInfo, type MethodName } from './types.js';

const kMethods: ReadonlyMap<MethodName, Method> = new Map(
  [inherit, argument, pipe, queue, queueJson, locked, raw, shm, mmap, manager, transfer, sab].map((m) => [m.info.name, m] as const),
);

/** Every method's static description, in the study table's order. */
export const METHODS: readonly MethodInfo[] = METHOD_NAMES.map((n) => (kMethods.get(n) as Method).info);

/** @internal The method implementation by name (checked). */
export function getMethod(name: unknown): Method {
  const m = typeof name === 'string' ? kMethods.get(name as MethodName) : undefined;
  if (!m) return invalid('ERR_NDSHARE_INVALID_ARGUMENT', `a method name (${METHOD_NAMES.join(', ')})`, 'method', name);
  return m;
}

/** The static description of one method. */
export function methodInfo(name: MethodName): MethodInfo {
  return getMethod(name).info;
}

/** True when `name` can hand an array to `kind`. */
export function supports(name: MethodName, kind: Kind): boolean {
  return getMethod(name).info.kinds[kind].supported;
}

export { createFor, type CreateForOptions } from './create-for.js';
export { checksum } from './checksum.js';
export { share, Peer, type ShareOptions, type PeerExit } from '../share.js';
export { receive, type Receiver } from './receive.js';
export type { Kind, MethodInfo, MethodName, MethodParams, Support } from './types.js';
export type { ManagerClient } from './manager-client.js';
