/**
 * Random hex for the names ndshare makes (segments, sockets, files), with node:crypto loaded on
 * first use rather than at import: a receiver, which never names anything, starts without it
 * (loading it costs about 8 ms on the machine of docs/benchmark.md, on every child's start).
 */
let crypto: typeof import('node:crypto') | undefined;

/** `bytes` random bytes as lowercase hex (2 characters each). */
export function randomHex(bytes: number): string {
  crypto ??= process.getBuiltinModule('node:crypto');
  return crypto.randomBytes(bytes).toString('hex');
}
