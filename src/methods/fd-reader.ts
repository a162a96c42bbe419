/**
 * Reads a stream socket (an inherited stdio fd) straight into caller-owned memory: `net.Socket`
 * with `onread` asks for its next buffer after every read, and we hand it the unfilled rest of the
 * current destination, so the kernel writes into the final array and nothing is allocated per chunk.
 */
import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import { NdshareError } from '../errors.js';
import type { DType } from '../core/dtype.js';
import type { NdArray } from '../core/ndarray.js';
import { bytesOf, destinationArray } from './common.js';

/**
 * Fills `first`, then whatever `onFull` returns for each filled target, until it returns null.
 * Targets are chosen synchronously, so no byte ever lands in an intermediate buffer.
 */
export function readInto(fd: number, first: Uint8Array, onFull: (filled: Uint8Array) => Uint8Array | null, what: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let target: Uint8Array | null = first;
    let got = 0;
    let settled = false;
    // Zero-length targets are full already; skip them without a read.
    const advance = (): void => {
      while (target !== null && got === target.length) {
        const next: Uint8Array | null = onFull(target);
        target = next;
        got = 0;
      }
    };
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    // A spare buffer for the read the socket may start before we decided we are done.
    const spare = new Uint8Array(1);
    // `onread` is accepted by the Socket constructor (Node >= 12.8) but missing from its typings.
    const options = {
      fd,
      readable: true,
      writable: false,
      onread: {
        buffer: () => (target === null ? spare : target.subarray(got)),
        callback: (n: number) => {
          if (target === null) {
            finish(new NdshareError('ERR_NDSHARE_PROTOCOL', `Expected no more bytes on ${what} but received ${n}`));
            return false;
          }
          got += n;
          try {
            advance();
          } catch (err) {
            finish(err as Error);
            return false;
          }
          if (target === null) finish();
          return true;
        },
      },
    } as ConstructorParameters<typeof Socket>[0];
    // The constructor throws for an fd that is not a stream (a regular file: ERR_INVALID_FD_TYPE);
    // then the fd, which the socket would have closed, is closed here and the error is ndshare's.
    let socket: Socket;
    try {
      socket = new Socket(options);
    } catch (err) {
      try {
        closeSync(fd);
      } catch {
        // Already closed: nothing leaks.
      }
      reject(new NdshareError('ERR_NDSHARE_PROTOCOL', `Expected a stream (pipe or socket) at fd ${fd} for ${what} but could not read it: ${(err as Error).message}`, { cause: err }));
      return;
    }
    socket.on('error', (err) => finish(err));
    const ended = (): void =>
      finish(target === null ? undefined : new NdshareError('ERR_NDSHARE_TRUNCATED', `Expected ${target.length - got} more bytes on ${what} but the sender closed it`));
    socket.on('end', ended);
    socket.on('close', ended);
    try {
      advance();
    } catch (err) {
      finish(err as Error);
      return;
    }
    if (target === null) finish();
  });
}

/** The framing of a socket that carries one array: `magic` (u32 LE), header length (u32 LE), header, elements. */
export interface ArrayFrame {
  readonly magic: number;
  /** Largest header length accepted, so a wrong length cannot make the reader allocate much. */
  readonly maxHeaderBytes: number;
  /** In messages: "the ndshare <name> header". */
  readonly name: string;
  /** In messages: "Expected <missing> but the pipe ended first". */
  readonly missing: string;
  /** The socket, for readInto's messages. */
  readonly channel: string;
  /** Parses and checks the header; throws ERR_NDSHARE_PROTOCOL on bad bytes. */
  decode(header: Uint8Array): { readonly dtype: DType; readonly shape: readonly number[] };
}

/**
 * Reads one framed array from `fd` (taking ownership of it): the prefix, the header, then the
 * elements straight into a new heap array.
 */
export async function readFramedArray(fd: number, frame: ArrayFrame): Promise<NdArray> {
  const prefix = new Uint8Array(8);
  let header: Uint8Array | null = null;
  let array: NdArray | null = null;
  await readInto(
    fd,
    prefix,
    (filled) => {
      if (filled === prefix) {
        const view = new DataView(prefix.buffer);
        if (view.getUint32(0, true) !== frame.magic) throw new NdshareError('ERR_NDSHARE_PROTOCOL', `Expected the ndshare ${frame.name} header but received other bytes`);
        const len = view.getUint32(4, true);
        if (len > frame.maxHeaderBytes) throw new NdshareError('ERR_NDSHARE_PROTOCOL', `Expected a ${frame.name} header of at most ${frame.maxHeaderBytes} bytes but received a length of ${len}`);
        header = new Uint8Array(len);
        return header;
      }
      if (filled === header) {
        const h = frame.decode(header);
        array = destinationArray(h.dtype, h.shape);
        return bytesOf(array);
      }
      return null;
    },
    frame.channel,
  );
  if (array === null) throw new NdshareError('ERR_NDSHARE_PROTOCOL', `Expected ${frame.missing} but the pipe ended first`);
  return array;
}
