/**
 * The manager's client: an async proxy to an array a server process owns. Every call has a
 * deadline (ERR_NDSHARE_MANAGER_DEADLINE); a server that dies fails every pending and later call
 * with ERR_NDSHARE_MANAGER_DEAD as soon as its socket closes; errors raised by the server arrive
 * with the server's code. The socket is referenced only while a call is in flight, so a process
 * that holds an idle proxy (and never closes it) still exits when its work is done.
 */
import { connect, type Socket } from 'node:net';
import { dtypeInfo, type DType, type DTypeInfo, type ElementOf, type TypedArrayMap } from '../../core/dtype.js';
import { invalid, NdshareError, safeCode } from '../../errors.js';
import { offsetOf, sizeOf, stridesOf } from '../../core/validate.js';
import { f64, frame, FrameReader, kFailed, kMaxFrame, kOk, kOpGet, kOpInfo, kOpRead, kOpReady, kOpSet, kOpSum, kOpWrite, type Frame } from './protocol.js';

/** Default deadline of one call, ms. */
export const kDefaultDeadlineMs = 5000;
/**
 * How long a client waits for a server that is still building its array (share({ build })): the
 * build of a large array takes seconds, and is not one call's work.
 */
export const kBuildDeadlineMs = 120_000;

/** What the server said about its array at connect. */
interface Facts {
  readonly info: DTypeInfo;
  readonly shape: readonly number[];
  readonly size: number;
  readonly pid: number;
}

interface Pending {
  resolve(payload: Buffer): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * An async proxy to the manager server's array. Create with `ManagerClient.connect()`. `D` is the
 * array's dtype: `receive({ dtype: 'float64' })` gives a `ManagerClient<'float64'>` (its `sum()`
 * and `get()` are numbers, its `read()` a Float64Array); narrow an untyped one with `is()`.
 */
export class ManagerClient<D extends DType = DType> {
  readonly #socket: Socket;
  readonly #deadlineMs: number;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #dead: NdshareError | undefined;
  #info: Facts | undefined;
  /** Settles when the server's array exists (it may still be building at connect). */
  #ready: Promise<unknown> | undefined;

  private constructor(socket: Socket, deadlineMs: number) {
    this.#socket = socket;
    this.#deadlineMs = deadlineMs;
    const reader = new FrameReader(
      (f) => this.#settle(f),
      (message) => this.#die(new NdshareError('ERR_NDSHARE_PROTOCOL', `Manager server sent a bad frame: ${message}`)),
    );
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('error', () => {}); // 'close' follows and reports it.
    socket.on('close', () => this.#die(new NdshareError('ERR_NDSHARE_MANAGER_DEAD', 'Expected the manager server to answer but its connection closed (the server ended or died)')));
  }

  /**
   * Connects to the server's socket and reads the array's dtype and shape. If the server is still
   * building its array, waits for it (up to kBuildDeadlineMs) unless `wait` is false: then calls
   * on the elements wait for it instead.
   */
  static async connect(path: string, options: { deadlineMs?: number; wait?: boolean } = {}): Promise<ManagerClient> {
    const deadlineMs = options.deadlineMs ?? kDefaultDeadlineMs;
    if (typeof deadlineMs !== 'number' || !(deadlineMs > 0) || deadlineMs > 2 ** 31 - 1) invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'a deadline in ms above 0', 'options.deadlineMs', deadlineMs);
    const socket = connect(path);
    const client = new ManagerClient(socket, deadlineMs);
    try {
      const payload = await client.#call(kOpInfo, []);
      let parsed: { dtype?: unknown; shape?: unknown; pid?: unknown; built?: unknown };
      try {
        parsed = JSON.parse(payload.toString('utf8')) as typeof parsed;
      } catch {
        throw new NdshareError('ERR_NDSHARE_PROTOCOL', 'Expected JSON info from the manager server but received unparsable bytes');
      }
      const info = dtypeInfo(parsed.dtype as DType);
      const shape = parsed.shape as number[];
      client.#info = { info, shape, size: sizeOf(shape, info).size, pid: Number(parsed.pid) };
      if (parsed.built === false) {
        const ready = client.#call(kOpReady, [], kBuildDeadlineMs);
        // Reported by the calls that wait for it (or below); never an unhandled rejection.
        ready.catch(() => {});
        client.#ready = ready;
        if (options.wait !== false) await ready;
      }
      return client;
    } catch (err) {
      // A deadline or a bad answer must not leave the socket open (it would keep the process alive).
      client.close();
      throw err;
    }
  }

  /** NumPy dtype name of the server's array. */
  get dtype(): D {
    return this.#facts().info.name as D;
  }

  /** True (and the proxy typed for it) when the server's array has `dtype`. */
  is<E extends DType>(dtype: E): this is ManagerClient<E> {
    return (this.#facts().info.name as DType) === dtype;
  }

  /** Shape of the server's array (a frozen copy). */
  get shape(): readonly number[] {
    return Object.freeze([...this.#facts().shape]);
  }

  /** Number of elements. */
  get size(): number {
    return this.#facts().size;
  }

  /** The server's process id (to watch it, or for tests that kill it). */
  get serverPid(): number {
    return this.#facts().pid;
  }

  /** Sum of all elements, computed by the server (bigint for 64-bit integer dtypes, else number). */
  async sum(): Promise<ElementOf<D>> {
    const text = (await this.#data(kOpSum, [])).toString('utf8');
    return (this.#facts().info.bigint ? BigInt(text) : Number(text)) as ElementOf<D>;
  }

  /** One element, by flat C-order index or one index per dimension. */
  async get(index: number | readonly number[]): Promise<ElementOf<D>> {
    const bytes = await this.#data(kOpGet, [f64(this.#flat(index))]);
    return this.#view(bytes)[0] as ElementOf<D>;
  }

  /** Sets one element. */
  async set(index: number | readonly number[], value: number | bigint | boolean): Promise<void> {
    const info = this.#facts().info;
    const el = new info.ctor(new ArrayBuffer(info.itemsize));
    try {
      // Integers are accepted as numbers for 64-bit dtypes too (BigInt() refuses fractions).
      (el as unknown as Array<unknown>)[0] = typeof value === 'boolean' ? Number(value) : info.bigint && typeof value === 'number' ? BigInt(value) : value;
    } catch {
      invalid('ERR_NDSHARE_INVALID_ARGUMENT', `a ${this.dtype} value`, 'value', value);
    }
    await this.#data(kOpSet, [f64(this.#flat(index)), new Uint8Array(el.buffer)]);
  }

  /** Elements [start, end) in flat C order, as a new typed array. */
  async read(start = 0, end = this.size): Promise<TypedArrayMap[D]> {
    const bytes = (end - start) * this.#facts().info.itemsize;
    if (bytes > kMaxFrame) throw new NdshareError('ERR_NDSHARE_TOO_LARGE', `Expected a slice of at most ${kMaxFrame} bytes per call but [${start}, ${end}) is ${bytes} bytes; read it in parts`);
    return this.#view(await this.#data(kOpRead, [f64(start, end)]));
  }

  /** Writes `values` at flat index `start`. */
  async write(start: number, values: TypedArrayMap[D]): Promise<void> {
    const info = this.#facts().info;
    if (!(values instanceof info.ctor)) invalid('ERR_NDSHARE_INVALID_ARGUMENT', `a ${info.ctor.name} of ${info.name} values`, 'values', values);
    if (values.byteLength > kMaxFrame) throw new NdshareError('ERR_NDSHARE_TOO_LARGE', `Expected at most ${kMaxFrame} bytes per write but received ${values.byteLength}; write it in parts`);
    await this.#data(kOpWrite, [f64(start), new Uint8Array(values.buffer, values.byteOffset, values.byteLength)]);
  }

  /** Disconnects. Pending calls fail with ERR_NDSHARE_MANAGER_DEAD. Idempotent. */
  close(): void {
    this.#die(new NdshareError('ERR_NDSHARE_MANAGER_DEAD', 'Expected an open manager client but it was closed'));
  }

  #facts(): Facts {
    if (!this.#info) throw new NdshareError('ERR_NDSHARE_MANAGER_DEAD', 'Expected a connected manager client but it is not connected');
    return this.#info;
  }

  #flat(index: number | readonly number[]): number {
    const shape = this.#facts().shape;
    if (typeof index === 'number') return index;
    if (!Array.isArray(index)) return invalid('ERR_NDSHARE_INVALID_ARGUMENT', `a flat index or ${shape.length} indices`, 'index', index);
    // The server's copy is C order: element steps are the C strides in items.
    return offsetOf(index, shape, stridesOf(shape, 1, 'C'), 'index');
  }

  #view(bytes: Buffer): TypedArrayMap[D] {
    const info = this.#facts().info;
    // A fresh, aligned copy: the frame's bytes may sit at any offset of a pooled buffer.
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    return new info.ctor(copy.buffer, 0, bytes.length / info.itemsize) as TypedArrayMap[D];
  }

  /** A call on the elements: after the server's array exists, then with the usual deadline. */
  async #data(op: number, parts: Uint8Array[]): Promise<Buffer> {
    if (this.#ready) await this.#ready;
    return this.#call(op, parts);
  }

  #call(op: number, parts: Uint8Array[], deadlineMs = this.#deadlineMs): Promise<Buffer> {
    if (this.#dead) return Promise.reject(this.#dead);
    const id = this.#nextId;
    this.#nextId = (this.#nextId % 0xffffffff) + 1;
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#forget(id);
        reject(new NdshareError('ERR_NDSHARE_MANAGER_DEADLINE', `Expected the manager server to answer within ${deadlineMs} ms but it did not`));
      }, deadlineMs);
      // Referenced only while a call is in flight: an idle proxy never keeps its process alive.
      if (this.#pending.size === 0) this.#socket.ref();
      this.#pending.set(id, { resolve, reject, timer });
      this.#socket.write(frame(id, op, ...parts));
    });
  }

  #settle(f: Frame): void {
    const p = this.#pending.get(f.id);
    if (!p) return; // Its deadline passed already; the late answer is dropped.
    this.#forget(f.id);
    clearTimeout(p.timer);
    if (f.op === kOk) return p.resolve(f.payload);
    if (f.op !== kFailed) return p.reject(new NdshareError('ERR_NDSHARE_PROTOCOL', `Expected status ${kOk} or ${kFailed} from the manager server but received ${f.op}`));
    let e: { code?: unknown; message?: unknown } = {};
    try {
      e = JSON.parse(f.payload.toString('utf8')) as typeof e;
    } catch {
      // Reported below with the generic code.
    }
    p.reject(new NdshareError(safeCode(e.code, 'ERR_NDSHARE_MANAGER_REMOTE'), `Manager server: ${typeof e.message === 'string' ? e.message : 'failed'}`));
  }

  /** Drops a settled call; the last one lets the socket go idle (unreferenced). */
  #forget(id: number): void {
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#socket.unref();
  }

  #die(reason: NdshareError): void {
    if (this.#dead) return;
    this.#dead = reason;
    for (const [, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(reason);
    }
    this.#pending.clear();
    this.#socket.destroy();
  }
}
