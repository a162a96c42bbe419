/**
 * One benchmark cell, run as a fresh process by the orchestrator: `node cell.js '<CellSpec JSON>'`.
 * It does what the study's main() does (create n ones, start a receiver by one method, let it
 * confirm access, join) with each phase timed, then, when asked and possible, a second "warm"
 * cycle whose array comes from a SegmentPool (already-faulted pages). It answers with one
 * CellResult as JSON on fd 3, so nothing the receiver prints can corrupt the answer.
 */
import { writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolveDType } from '../core/dtype.js';
import { NdshareError } from '../errors.js';
import type { NdArray } from '../core/ndarray.js';
import { floorNative } from '../core/native.js';
import { SegmentPool } from '../core/pool.js';
import { createFor, share, type BuildSpec } from '../share/index.js';
import { checkReply } from './cell-wire.js';
import type { CellResult, CellSpec, Phases } from './types.js';

/** The receiver every cell starts. */
const childEntry = fileURLToPath(new URL('./receiver.js', import.meta.url));
const kResultFd = 3;

const now = (): bigint => process.hrtime.bigint();
const seconds = (from: bigint, to: bigint): number => Number(to - from) / 1e9;

/**
 * What a cycle shares: an array it creates, or ('manager', as the study's Manager builds `ones` in
 * its server) the description the server builds from, so the create happens inside the handoff.
 */
type Source = { readonly array: () => NdArray } | { readonly build: BuildSpec };

/** One create + share + confirm + join cycle. Returns its phases; leaves the array it made open. */
async function cycle(spec: CellSpec, source: Source, keep: (a: NdArray) => void): Promise<Phases> {
  const t0 = now();
  let a: NdArray | { build: BuildSpec };
  if ('array' in source) {
    const made = source.array();
    keep(made);
    a = made;
  } else {
    a = { build: source.build };
  }
  const created = now();
  const peer = await share(a, {
    method: spec.method,
    kind: spec.kind,
    entry: childEntry,
    env: { NDSHARE_BENCH_VERIFY: spec.verify ? '1' : '0', NDSHARE_BENCH_PREFAULT: spec.prefault ? '1' : '0' },
    workerData: { verify: spec.verify, prefault: spec.prefault },
  });
  let answer: unknown;
  try {
    answer = await peer.reply();
  } finally {
    await peer.close();
  }
  const joined = now();
  const reply = checkReply(answer);
  if (typeof reply === 'string') throw new NdshareError('ERR_NDSHARE_PROTOCOL', reply);
  if (reply.shape.length !== 1 || reply.shape[0] !== spec.n) {
    throw new NdshareError('ERR_NDSHARE_PROTOCOL', `Expected the child to see shape [${spec.n}] but received [${reply.shape.join(', ')}]`);
  }
  // Text against text: the sum of n ones is n for every dtype, bigint or number, as String() spells it.
  if (spec.verify && reply.checksum !== String(spec.n)) {
    throw new NdshareError('ERR_NDSHARE_PROTOCOL', `Expected the child's checksum of ${spec.n} ones to be ${spec.n} but received ${reply.checksum}`);
  }
  const viewAt = BigInt(reply.viewAt);
  const readAt = BigInt(reply.readAt);
  return { create: seconds(t0, created), handoff: seconds(created, viewAt), read: seconds(viewAt, readAt), total: seconds(t0, joined) };
}

function closeQuietly(a: NdArray | undefined): void {
  if (!a) return;
  try {
    if (a.backing === 'file' && a.path) a.unlink();
  } catch {
    // Already gone.
  }
  try {
    a.close();
  } catch {
    // Already closed (transfer detaches the parent's buffer, pools close what they take).
  }
}

/** Runs the cell described by `spec` and returns its result (never throws). */
async function runCellSpec(spec: CellSpec): Promise<CellResult> {
  const opened: NdArray[] = [];
  const keep = (a: NdArray): void => void opened.push(a);
  try {
    const dtype = resolveDType(spec.dtype, 'dtype').name;
    // The backing the method needs (heap, like the study's ones(), for the copying methods).
    const fresh = (): NdArray => createFor(spec.method, spec.kind, { dtype, shape: [spec.n], fill: 1, dir: spec.dir });
    const cold = await cycle(spec, spec.method === 'manager' ? { build: { dtype, shape: [spec.n], fill: 1 } } : { array: fresh }, keep);
    const backing = opened[0]?.backing;
    let warm: Phases | { error: string } | null = null;
    if (spec.warm && (backing === 'shm' || backing === 'memfd')) {
      const pool = new SegmentPool({ backing });
      const first = opened.pop() as NdArray;
      const released = pool.release(first);
      if (released.state !== 'pooled') {
        warm = { error: `not pooled: ${released.reason}` };
      } else {
        try {
          warm = await cycle(spec, { array: () => pool.create({ dtype, shape: [spec.n], fill: 1 }) }, keep);
          if (pool.stats.hits !== 1) warm = { error: 'the pool did not reuse the segment' };
        } catch (err) {
          warm = { error: describeError(err) };
        }
      }
      for (const a of opened.splice(0)) closeQuietly(a);
      pool.clear();
    }
    const self = process.resourceUsage().maxRSS;
    // A worker's memory is this process's; a child process's is its own, reaped by now.
    const child = spec.kind === 'process' ? floorNative().rusageChildren() : 0;
    return { state: 'ok', cold, warm, peakParentKiB: self, peakChildKiB: child };
  } catch (err) {
    return { state: 'failed', error: describeError(err) };
  } finally {
    for (const a of opened) closeQuietly(a);
  }
}

function describeError(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? `${e.code}: ` : '';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  // One line for the table; the JSON keeps it whole up to a bound.
  return `${code}${message}`.replace(/\s+/g, ' ').slice(0, 500);
}

function parseSpec(text: string | undefined): CellSpec {
  const s = JSON.parse(text ?? '') as CellSpec;
  if (typeof s !== 'object' || s === null || typeof s.method !== 'string' || (s.kind !== 'process' && s.kind !== 'thread') || !Number.isSafeInteger(s.n) || s.n < 1) {
    throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', `Expected a cell spec as JSON but received ${String(text).slice(0, 100)}`);
  }
  return s;
}

async function main(): Promise<void> {
  let result: CellResult;
  try {
    result = await runCellSpec(parseSpec(process.argv[2]));
  } catch (err) {
    result = { state: 'failed', error: describeError(err) };
  }
  writeSync(kResultFd, JSON.stringify(result));
}

// Only as the entry point: importing this module runs nothing.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
