/**
 * Shared steps of the methods tests: which method x kind pairs exist, arrays with known contents,
 * and one share-report-write round trip with a watchdog (generous; it only turns a hang into a
 * failure, it asserts no timing).
 */
import { randomFillSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { checksum, createFor, METHODS, share, type Kind, type MethodName, type Peer } from '../../src/share/index.js';
import type { DTypeLike, NdArray } from '../../src/index.js';
import { deadline, kDefaultWatchdogMs } from './channel.js';
import type { ChildReport } from './methods-wire.js';
import type { ShaReport } from '../fixtures/methods-sha-child.js';

export { kMarker, type ChildReport } from './methods-wire.js';

/** The compiled Node child. */
export const kChildEntry = fileURLToPath(new URL('../fixtures/methods-child.js', import.meta.url));
/** The python3 + NumPy child (source tree: tsc does not copy .py files). */
export const kPythonChild = fileURLToPath(new URL('../../../test/fixtures/methods-child.py', import.meta.url));

/** Every supported method x kind, in registry order. */
export function supportedPairs(): Array<{ method: MethodName; kind: Kind; copies: boolean }> {
  const out: Array<{ method: MethodName; kind: Kind; copies: boolean }> = [];
  for (const info of METHODS) for (const kind of ['process', 'thread'] as const) if (info.kinds[kind].supported) out.push({ method: info.name, kind, copies: info.copies });
  return out;
}

/** An array for `method`/`kind` holding i % 1000 (sums are exact in float64). */
export function filledFor(method: MethodName, kind: Kind, shape: readonly number[] = [50, 40], dtype: DTypeLike = 'float64'): NdArray {
  const a = createFor(method, kind, { dtype, shape });
  const d = a.data as unknown as Array<number | bigint>;
  const big = typeof d[0] === 'bigint' || a.dtype === 'int64' || a.dtype === 'uint64';
  for (let i = 0; i < a.size; i++) d[i] = big ? BigInt(i % 1000) : i % 1000;
  return a;
}

/** Runs `p` or fails after `ms` with what was being waited for ("Expected <what> to finish within ..."). */
export function watchdog<T>(p: Promise<T>, what: string, ms = kDefaultWatchdogMs): Promise<T> {
  return deadline(p, `${what} to finish`, ms);
}

/** What one round trip observed. */
export interface RoundTrip {
  readonly report: ChildReport;
  /** The parent's `checksum()` as decimal text, comparable with `report.checksum`. */
  readonly expected: string;
  /** Element 0 as the parent sees it after the child wrote kMarker there ('detached' for transfer). */
  readonly seen: number | bigint | 'detached';
}

/** Shares `array`, reads the child's report, lets it write, reads element 0 back, ends the child. */
export async function roundTrip(array: NdArray, method: MethodName, kind: Kind, extra: { command?: string; args?: string[]; chunkBytes?: number } = {}): Promise<RoundTrip> {
  const expected = String(checksum(array));
  const target = extra.command !== undefined ? { command: extra.command, args: extra.args ?? [] } : { entry: kChildEntry };
  const peer: Peer = await share(array, { method, kind, ...target, ...(extra.chunkBytes !== undefined ? { chunkBytes: extra.chunkBytes } : {}) });
  try {
    const report = (await deadline(peer.reply(), `the ${method}/${kind} child to send its report`)) as ChildReport;
    const written = await deadline(peer.reply(), `the ${method}/${kind} child to send 'written'`);
    if (written !== 'written') throw new Error(`expected 'written' from the child but received ${String(written)}`);
    let seen: RoundTrip['seen'];
    if (method === 'manager') seen = await (peer.proxy as NonNullable<Peer['proxy']>).get(0);
    else if (array.data.byteLength === 0 && array.size > 0) seen = 'detached';
    else if (method === 'locked') seen = await (peer.mutex as NonNullable<Peer['mutex']>).withLock(() => array.data[0] as number | bigint);
    else seen = array.data[0] as number | bigint;
    return { report, expected, seen };
  } finally {
    await deadline(peer.close(), `the ${method}/${kind} child to exit (peer.close())`);
  }
}

/** Releases an array made by filledFor (unlinks the temporary .npy of 'mmap'). */
export function release(array: NdArray): void {
  if (array.backing === 'file' && !array.closed) array.unlink();
  array.close();
}

/** The compiled child that replies the SHA-256 of what it received (fixtures/methods-sha-child.ts). */
export const kShaChildEntry = fileURLToPath(new URL('../fixtures/methods-sha-child.js', import.meta.url));

/** An array of `dtype` and `shape` on the backing `method` needs, every byte random (seeded by the OS). */
export function randomFor(method: MethodName, kind: Kind, dtype: DTypeLike, shape: readonly number[]): NdArray {
  const a = createFor(method, kind, { dtype, shape });
  randomFillSync(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength));
  return a;
}

/** Shares `array` with the SHA child and returns its report; the caller compares it with `sha(array.data)`. */
export async function shaRoundTrip(array: NdArray, method: MethodName, kind: Kind, params: { chunkBytes?: number } = {}): Promise<ShaReport> {
  const peer: Peer = await share(array, { method, kind, entry: kShaChildEntry, ...params });
  try {
    return (await deadline(peer.reply(), `the ${method}/${kind} SHA child to send its report`)) as ShaReport;
  } finally {
    await deadline(peer.close(), `the ${method}/${kind} SHA child to exit (peer.close())`);
  }
}
