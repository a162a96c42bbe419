/**
 * Reads a stream socket (an inherited stdio fd) straight into caller-owned memory: `net.Socket`
 * with `onread` asks for its next buffer after every read, and we hand it the unfilled rest of the
 * current destination, so the kernel writes into the final array and nothing is allocated per chunk.
 */
import { Socket } from 'node:net';
import { NdshareError } from '../errors.js';

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
    const socket: Socket = new Socket({
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
    } as ConstructorParameters<typeof Socket>[0]);
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
