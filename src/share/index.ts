/**
 * The sharing API: the method registry (from methods/table.ts), `createFor()`, `share()` for the
 * parent and `receive()` for the child (also importable alone as 'ndshare/receive').
 *
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
export { METHODS, methodInfo, supports, type MethodInfo, type MethodName } from '../methods/table.js';
export { createFor, type CreateForOptions } from './create-for.js';
export { checksum } from '../methods/checksum.js';
export { share, Peer, type ShareOptions, type PeerExit } from './share.js';
export { receive, type Receiver, type ReceiveOptions } from './receive.js';
export type { BuildSpec, Kind, MethodParams, Support } from '../methods/types.js';
export type { ManagerClient } from '../methods/manager/client.js';
