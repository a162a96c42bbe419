/**
 * The manager's binary protocol over a Unix domain socket. Every frame is
 * `u32 length (of what follows) | u32 call id | u8 op or status | payload`, little-endian.
 * Requests carry an op; responses carry kOk or kFailed and echo the call id.
 */

/** Environment variable naming the socket path the parent chose for the server. */
export const kManagerSocketEnv = 'NDSHARE_MANAGER_SOCKET';
/**
 * Environment variable with the array the server builds itself (the study's Manager: the
 * registered callable runs in the server), as JSON `BuildWire`; without it the server reads a
 * copy of the parent's array from kManagerDataFd.
 */
export const kManagerBuildEnv = 'NDSHARE_MANAGER_BUILD';

/** What the server builds: dtype, shape and the fill value as text (a bigint survives JSON). */
export interface BuildWire {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly fill: { readonly type: 'number' | 'bigint' | 'boolean'; readonly text: string } | null;
}

/** fd of the server's stdio pipe that carries the array at start. */
export const kManagerDataFd = 4;

/** Bytes before the payload: length, id, op/status. */
export const kFrameHead = 9;
/** Largest frame either side accepts (read and write slices above it are refused, not split). */
export const kMaxFrame = 2 ** 30;

/** Request ops. */
export const kOpInfo = 1; // -> JSON { dtype, shape, pid, built }, at once
export const kOpSum = 2; // -> decimal text
export const kOpGet = 3; // f64 flat index -> element bytes
export const kOpSet = 4; // f64 flat index, element bytes -> empty
export const kOpRead = 5; // f64 start, f64 end (elements) -> bytes
export const kOpWrite = 6; // f64 start, bytes -> empty
export const kOpReady = 7; // -> empty, once the server's array exists (built or received)

/** Response statuses. */
export const kOk = 0;
export const kFailed = 1; // payload: JSON { code, message }

/** One decoded frame. */
export interface Frame {
  readonly id: number;
  readonly op: number;
  readonly payload: Buffer;
}

/** Builds a frame. */
export function frame(id: number, op: number, ...parts: Uint8Array[]): Buffer {
  const len = parts.reduce((n, p) => n + p.length, 0);
  const head = Buffer.allocUnsafe(kFrameHead);
  head.writeUInt32LE(len + kFrameHead - 4, 0);
  head.writeUInt32LE(id, 4);
  head.writeUInt8(op, 8);
  return Buffer.concat([head, ...parts], kFrameHead + len);
}

/** A little-endian f64, for indices (exact up to 2^53). */
export function f64(...values: number[]): Buffer {
  const b = Buffer.allocUnsafe(8 * values.length);
  values.forEach((v, i) => b.writeDoubleLE(v, 8 * i));
  return b;
}

/**
 * Splits a byte stream into frames. Calls `onFrame` per complete frame, `onError` once for a
 * frame longer than kMaxFrame (the stream is then unusable).
 */
export class FrameReader {
  #pending: Buffer[] = [];
  #have = 0;
  #broken = false;
  readonly #onFrame: (f: Frame) => void;
  readonly #onError: (message: string) => void;

  constructor(onFrame: (f: Frame) => void, onError: (message: string) => void) {
    this.#onFrame = onFrame;
    this.#onError = onError;
  }

  push(chunk: Buffer): void {
    if (this.#broken) return;
    this.#pending.push(chunk);
    this.#have += chunk.length;
    for (;;) {
      if (this.#have < 4) return;
      const first = this.#head(4);
      const len = first.readUInt32LE(0);
      if (len < kFrameHead - 4 || len > kMaxFrame + kFrameHead) {
        this.#broken = true;
        this.#onError(`Expected a frame of ${kFrameHead - 4} to ${kMaxFrame + kFrameHead} bytes but received a length of ${len}`);
        return;
      }
      if (this.#have < 4 + len) return;
      const all = this.#take(4 + len);
      this.#onFrame({ id: all.readUInt32LE(4), op: all.readUInt8(8), payload: all.subarray(kFrameHead) });
    }
  }

  #head(n: number): Buffer {
    const first = this.#pending[0] as Buffer;
    if (first.length >= n) return first;
    this.#pending = [Buffer.concat(this.#pending)];
    return this.#pending[0] as Buffer;
  }

  #take(n: number): Buffer {
    const joined = this.#head(n);
    const out = joined.subarray(0, n);
    // #head left the joined bytes in #pending[0]; later chunks stay queued behind it.
    if (joined.length > n) this.#pending[0] = joined.subarray(n);
    else this.#pending.shift();
    this.#have -= n;
    return out;
  }
}
