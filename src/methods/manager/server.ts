/**
 * The manager's server process (the study's Manager): it owns the array, either built here (as
 * the study's registered callable runs in the server: nothing is copied) or a copy received over a
 * stdio pipe at start, and serves calls on a Unix domain socket. It ends when its parent
 * disconnects or on SIGTERM/SIGINT, removing its socket; its array lives on its own heap, so even
 * a SIGKILL leaves no segment behind. This module is an entry point: importing it starts a server.
 */
import { createServer, type Socket } from 'node:net';
import { unlinkSync } from 'node:fs';
import { NdshareError, toWireError } from '../../errors.js';
import type { NdArray } from '../../core/ndarray.js';
import type { DType } from '../../core/dtype.js';
import { checksum } from '../checksum.js';
import { bytesOf, newHeapArray } from '../common.js';
import { native } from '../../core/native.js';
import { dtypeInfo, resolveDType } from '../../core/dtype.js';
import { checkFill, checkShape } from '../../core/validate.js';
import { frame, FrameReader, kManagerBuildEnv, kManagerDataFd, kManagerSocketEnv, type BuildWire, kFailed, kOk, kOpGet, kOpInfo, kOpRead, kOpReady, kOpSet, kOpSum, kOpWrite, type Frame } from './protocol.js';

/** Reads an f64 element index at `at`; valid values are [0, bound) or, for slice ends, [0, bound]. */
function index(payload: Buffer, at: number, bound: number, end: boolean, what: string): number {
  if (payload.length < at + 8) throw new NdshareError('ERR_NDSHARE_PROTOCOL', `Expected an index in the ${what} request but it is too short`);
  const i = payload.readDoubleLE(at);
  if (!Number.isInteger(i) || i < 0 || (end ? i > bound : i >= bound)) {
    throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', `Expected an integer index in [0, ${bound}${end ? ']' : ')'} for ${what} but received ${i}`);
  }
  return i;
}

/** What the server knows before its array exists: enough to answer kOpInfo. */
interface Facts {
  readonly dtype: string;
  readonly shape: readonly number[];
}

/**
 * The server's array, or the wait for it: a built array is filled in slices between which the
 * event loop runs, so that clients connect and learn dtype and shape at once, while their calls
 * on the elements wait for the fill (or fail with its error).
 */
class Holder {
  array: NdArray | undefined;
  error: unknown;
  readonly #waiting: Array<() => void> = [];

  constructor(readonly facts: Facts) {}

  /** Runs `fn` once the array is there (or its build failed). */
  whenReady(fn: () => void): void {
    if (this.array !== undefined || this.error !== undefined) fn();
    else this.#waiting.push(fn);
  }

  settle(array: NdArray | undefined, error?: unknown): void {
    this.array = array;
    this.error = array === undefined ? (error ?? new NdshareError('ERR_NDSHARE_PROTOCOL', 'Expected the manager array to be built')) : undefined;
    for (const fn of this.#waiting.splice(0)) fn();
  }
}

/** Answers one request against `array`. */
function handle(array: NdArray, f: Frame): Uint8Array {
  const itemsize = array.size === 0 ? 1 : array.nbytes / array.size;
  const bytes = bytesOf(array);
  switch (f.op) {
    case kOpSum:
      // As decimal text: exact for a bigint sum, and a float64 sum survives String/Number round trip.
      return Buffer.from(String(checksum(array)));
    case kOpGet: {
      const i = index(f.payload, 0, array.size, false, 'get');
      return bytes.slice(i * itemsize, (i + 1) * itemsize);
    }
    case kOpSet: {
      const i = index(f.payload, 0, array.size, false, 'set');
      if (f.payload.length !== 8 + itemsize) throw new NdshareError('ERR_NDSHARE_PROTOCOL', `Expected ${itemsize} value bytes for set but received ${f.payload.length - 8}`);
      bytes.set(f.payload.subarray(8), i * itemsize);
      return new Uint8Array(0);
    }
    case kOpRead: {
      const start = index(f.payload, 0, array.size, true, 'read start');
      const end = index(f.payload, 8, array.size, true, 'read end');
      if (end < start) throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', `Expected read end >= start (${start}) but received ${end}`);
      return bytes.subarray(start * itemsize, end * itemsize);
    }
    case kOpWrite: {
      const start = index(f.payload, 0, array.size, true, 'write');
      const values = f.payload.subarray(8);
      if (values.length % itemsize !== 0 || start * itemsize + values.length > bytes.length) {
        throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', `Expected a write within the ${array.size} elements but received ${values.length / itemsize} elements at ${start}`);
      }
      bytes.set(values, start * itemsize);
      return new Uint8Array(0);
    }
    default:
      throw new NdshareError('ERR_NDSHARE_PROTOCOL', `Expected a request op 1-7 but received ${f.op}`);
  }
}

function reply(socket: Socket, f: Frame, answer: () => Uint8Array): void {
  let out: Buffer;
  try {
    out = frame(f.id, kOk, answer());
  } catch (err) {
    out = frame(f.id, kFailed, Buffer.from(JSON.stringify(toWireError(err))));
  }
  if (!socket.destroyed) socket.write(out);
}

function serve(socket: Socket, holder: Holder): void {
  socket.on('error', () => socket.destroy());
  const reader = new FrameReader(
    (f) => {
      if (f.op === kOpInfo) return reply(socket, f, () => Buffer.from(JSON.stringify({ dtype: holder.facts.dtype, shape: holder.facts.shape, pid: process.pid, built: holder.array !== undefined })));
      // In arrival order: calls queued during the build run in the order they came.
      holder.whenReady(() =>
        reply(socket, f, () => {
          if (holder.array === undefined) throw holder.error;
          return f.op === kOpReady ? new Uint8Array(0) : handle(holder.array, f);
        }),
      );
    },
    () => socket.destroy(),
  );
  socket.on('data', (chunk: Buffer) => reader.push(chunk));
}

/** Elements filled per slice of a build (the event loop runs between slices). */
const kBuildSliceBytes = 16 * 1024 * 1024;

/** Parses the parent's description of the array to build, checked again here (it came through the environment). */
function buildSpec(text: string): { facts: Facts; dtype: DType; fill: number | bigint | boolean | undefined } {
  let b: BuildWire;
  try {
    b = JSON.parse(text) as BuildWire;
  } catch {
    throw new NdshareError('ERR_NDSHARE_PROTOCOL', `Expected JSON in ${kManagerBuildEnv} but received unparsable text`);
  }
  const f = b.fill;
  const fill = f === null || typeof f !== 'object' ? undefined : f.type === 'bigint' ? BigInt(f.text) : f.type === 'boolean' ? f.text === 'true' : Number(f.text);
  const info = resolveDType(b.dtype, 'build.dtype');
  return { facts: { dtype: info.name, shape: checkShape(b.shape, 'build.shape') }, dtype: info.name, fill };
}

/** Builds the array: zeroed pages, then the fill value slice by slice, yielding between slices. */
async function build(spec: ReturnType<typeof buildSpec>): Promise<NdArray> {
  const array = newHeapArray(spec.dtype, spec.facts.shape);
  const value = checkFill(spec.fill, dtypeInfo(spec.dtype));
  if (value === undefined || value === 0 || value === 0n) return array;
  // Huge pages (NumPy madvises huge pages for large arrays too): the slices below then fault one
  // 2 MiB page at a time instead of 512 pages of 4 KiB. Advice only, and no populate call: mapping
  // the whole array at once would hold the event loop for as long as the kernel takes to find the
  // huge pages (it compacts memory for them: 0.1 to 2.5 s for 800 MB on the machine of
  // docs/benchmark.md), and clients that connect meanwhile (the parent, whose share() waits for
  // its proxy before the child starts) would wait for all of it. Without the addon the fill
  // faults as usual.
  try {
    native().prepareHeap(bytesOf(array), false);
  } catch {
    // No native addon: the fill below still works.
  }
  const data = array.data as unknown as { fill(v: number | bigint, start: number, end: number): void; length: number };
  const step = Math.max(1, Math.floor(kBuildSliceBytes / dtypeInfo(spec.dtype).itemsize));
  for (let i = 0; i < data.length; i += step) {
    data.fill(value, i, Math.min(i + step, data.length));
    if (i + step < data.length) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return array;
}

async function main(): Promise<void> {
  const path = process.env[kManagerSocketEnv];
  if (!path || !process.send) throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', `Expected ${kManagerSocketEnv} and an IPC channel for the manager server`);
  const text = process.env[kManagerBuildEnv];
  const spec = text !== undefined ? buildSpec(text) : undefined;
  // A copy is received before the server listens; a built array is filled while it serves.
  // The pipe reader is loaded only for a copy: a server that builds starts sooner without it.
  const received = spec === undefined ? await (await import('../pipe.js')).receivePipe(kManagerDataFd) : undefined;
  const holder = new Holder(received ?? (spec as NonNullable<typeof spec>).facts);
  if (received !== undefined) holder.settle(received);
  // The socket file gets mode 0600: only this user can call the server.
  process.umask(0o077);
  const server = createServer((s) => serve(s, holder));
  const shutdown = (): void => {
    server.close();
    try {
      unlinkSync(path);
    } catch {
      // Already removed.
    }
    process.exit(0);
  };
  process.on('disconnect', shutdown);
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  server.on('error', (err) => {
    process.send?.({ failed: toWireError(err) });
    process.exitCode = 1;
  });
  server.listen(path, () => {
    process.send?.({ ready: true });
    if (spec !== undefined) build(spec).then((a) => holder.settle(a), (err: unknown) => holder.settle(undefined, err));
  });
}

main().catch((err: unknown) => {
  process.send?.({ failed: toWireError(err) }, undefined, {}, () => process.exit(1));
});
