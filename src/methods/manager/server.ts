/**
 * The manager's server process (the study's Manager): it owns a copy of the array, received over
 * a stdio pipe at start, and serves calls on a Unix domain socket. It ends when its parent
 * disconnects or on SIGTERM/SIGINT, removing its socket; its array lives on its own heap, so even
 * a SIGKILL leaves no segment behind. This module is an entry point: importing it starts a server.
 */
import { createServer, type Socket } from 'node:net';
import { unlinkSync } from 'node:fs';
import { NdshareError, toWireError } from '../../errors.js';
import type { NdArray } from '../../core/ndarray.js';
import { checksum } from '../checksum.js';
import { bytesOf } from '../common.js';
import { frame, FrameReader, kManagerDataFd, kManagerSocketEnv, kFailed, kOk, kOpGet, kOpInfo, kOpRead, kOpSet, kOpSum, kOpWrite, type Frame } from './protocol.js';
import { receivePipe } from '../pipe.js';

/** Reads an f64 element index at `at`; valid values are [0, bound) or, for slice ends, [0, bound]. */
function index(payload: Buffer, at: number, bound: number, end: boolean, what: string): number {
  if (payload.length < at + 8) throw new NdshareError('ERR_NDSHARE_PROTOCOL', `Expected an index in the ${what} request but it is too short`);
  const i = payload.readDoubleLE(at);
  if (!Number.isInteger(i) || i < 0 || (end ? i > bound : i >= bound)) {
    throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', `Expected an integer index in [0, ${bound}${end ? ']' : ')'} for ${what} but received ${i}`);
  }
  return i;
}

/** Answers one request against `array`. */
function handle(array: NdArray, f: Frame): Uint8Array {
  const itemsize = array.size === 0 ? 1 : array.nbytes / array.size;
  const bytes = bytesOf(array);
  switch (f.op) {
    case kOpInfo:
      return Buffer.from(JSON.stringify({ dtype: array.dtype, shape: array.shape, pid: process.pid }));
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
      throw new NdshareError('ERR_NDSHARE_PROTOCOL', `Expected a request op 1-6 but received ${f.op}`);
  }
}

function serve(socket: Socket, array: NdArray): void {
  socket.on('error', () => socket.destroy());
  const reader = new FrameReader(
    (f) => {
      let reply: Buffer;
      try {
        reply = frame(f.id, kOk, handle(array, f));
      } catch (err) {
        reply = frame(f.id, kFailed, Buffer.from(JSON.stringify(toWireError(err))));
      }
      socket.write(reply);
    },
    () => socket.destroy(),
  );
  socket.on('data', (chunk: Buffer) => reader.push(chunk));
}

async function main(): Promise<void> {
  const path = process.env[kManagerSocketEnv];
  if (!path || !process.send) throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', `Expected ${kManagerSocketEnv} and an IPC channel for the manager server`);
  const array = await receivePipe(kManagerDataFd);
  // The socket file gets mode 0600: only this user can call the server.
  process.umask(0o077);
  const server = createServer((s) => serve(s, array));
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
  server.listen(path, () => process.send?.({ ready: true }));
}

main().catch((err: unknown) => {
  process.send?.({ failed: toWireError(err) }, undefined, {}, () => process.exit(1));
});
