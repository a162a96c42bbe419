/**
 * `array.rows(start, end)`: a zero-copy view of a range of the leading axis, NumPy's `a[start:end]`.
 * Its `data` is a subarray over the same memory, so writes through it are writes to the array (and
 * to every process and thread that maps it). A view owns nothing: it has no close() and no handle;
 * once its array is closed, reading it throws ERR_NDSHARE_CLOSED.
 */
import type { AnyTypedArray, DType, DTypeInfo, TypedArrayMap } from './dtype.js';
import { invalid, NdshareError } from '../errors.js';
import { guardClone, notCloneable } from './clone-guard.js';
import { formatArray, kInspectCustom, type FormatOptions } from './format.js';
import { offsetOf, stridesOf, type Mode, type Order } from './validate.js';

/** What a view reads of its array's state (the NdArray's internal state has these fields). */
export interface ViewSource {
  readonly backing: string;
  readonly info: DTypeInfo;
  readonly shape: readonly number[];
  readonly order: Order;
  readonly mode: Mode;
  readonly data: AnyTypedArray;
  readonly closed: boolean;
}

const kViewToken = Symbol('ndshare.view');

/** Checks `rows(start, end)` against `shape` and `order`; returns [start, end]. */
function checkRows(src: ViewSource, shape: readonly number[], start: unknown, end: unknown, what: string): [number, number] {
  if (shape.length === 0) invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'an array with at least one dimension', what, 'a 0-d array');
  if (src.order === 'F' && src.shape.length > 1) {
    throw new NdshareError(
      'ERR_NDSHARE_FORTRAN_ORDER',
      `Expected a C-order array for ${what} but this one is Fortran-order (shape [${src.shape.join(', ')}]), whose rows are not contiguous; index it with offset() instead`,
    );
  }
  const n = shape[0] ?? 0;
  if (typeof start !== 'number' || !Number.isInteger(start) || start < 0 || start > n) invalid('ERR_NDSHARE_INVALID_ARGUMENT', `an integer in [0, ${n}] (no negative or out-of-range rows)`, `${what} start`, start);
  const stop = end === undefined ? n : end;
  if (typeof stop !== 'number' || !Number.isInteger(stop) || stop < start || stop > n) invalid('ERR_NDSHARE_INVALID_ARGUMENT', `an integer in [${start}, ${n}] (start to the number of rows)`, `${what} end`, end);
  return [start, stop];
}

/**
 * Rows `start` to `end` (exclusive) of an NdArray, or of another view: its own shape
 * (`[end - start, ...rest]`), `data` over the same memory. Build one with `array.rows()`.
 */
export class NdView<D extends DType = DType> {
  readonly #src: ViewSource;
  readonly #shape: readonly number[];
  /** The first row, counted in the array (not in a parent view). */
  readonly #first: number;
  readonly #data: AnyTypedArray;

  /** @internal */
  constructor(token: symbol, src: ViewSource, first: number, count: number) {
    if (token !== kViewToken) throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', 'Expected array.rows() to build an NdView but it was constructed directly');
    this.#src = src;
    this.#first = first;
    this.#shape = Object.freeze([count, ...src.shape.slice(1)]);
    const rowSize = src.shape.slice(1).reduce((a, b) => a * b, 1);
    this.#data = src.data.subarray(first * rowSize, (first + count) * rowSize);
    guardClone(this, 'a rows() view');
  }

  /** @internal Used by NdArray.rows(). */
  static of<D extends DType>(src: ViewSource, start: unknown, end: unknown): NdView<D> {
    if (src.closed) throw closedError('rows()');
    const [a, b] = checkRows(src, src.shape, start, end, 'rows()');
    return new NdView<D>(kViewToken, src, a, b - a);
  }

  /** The view's elements: a subarray of the array's `data`, the same memory. Throws once the array is closed. */
  get data(): TypedArrayMap[D] {
    if (this.#src.closed) throw closedError('data');
    return this.#data as TypedArrayMap[D];
  }

  /** NumPy dtype name. */
  get dtype(): D {
    return this.#src.info.name as D;
  }

  /** `[end - start, ...the array's other dimensions]`. */
  get shape(): readonly number[] {
    return this.#shape;
  }

  /** Byte step per dimension, as NumPy reports them (the array's strides). */
  get strides(): readonly number[] {
    return Object.freeze(stridesOf(this.#shape, this.#src.info.itemsize, 'C'));
  }

  /** Always 'C': views are only made of C-order arrays (and 1-d ones). */
  get order(): Order {
    return 'C';
  }

  /** Number of elements. */
  get size(): number {
    return this.#data.length;
  }

  /** Bytes of element data. */
  get nbytes(): number {
    return this.#data.byteLength;
  }

  /** The array's backing. */
  get backing(): string {
    return this.#src.backing;
  }

  /** As the array's: true when writes do not reach other processes. */
  get readonly(): boolean {
    return this.#src.mode !== 'r+';
  }

  /** The rows of the array this view covers: `[start, end)`. */
  get range(): readonly [number, number] {
    return Object.freeze([this.#first, this.#first + (this.#shape[0] ?? 0)] as const);
  }

  /** True once the array was closed: then `data` throws. */
  get closed(): boolean {
    return this.#src.closed;
  }

  /** Flat offset of an index into this view's `data`; see `NdArray.offset()`. */
  offset(...index: number[]): number {
    return offsetOf(index, this.#shape, stepsOf(this.#shape), 'offset() index');
  }

  /** Rows `start` to `end` of this view, as a view of the same array. */
  rows(start: number, end?: number): NdView<D> {
    if (this.#src.closed) throw closedError('rows()');
    const [a, b] = checkRows(this.#src, this.#shape, start, end, 'rows()');
    return new NdView<D>(kViewToken, this.#src, this.#first + a, b - a);
  }

  /** Throws: a view cannot be serialized; post the array's handle (and the row range). */
  toJSON(): never {
    throw notCloneable('a rows() view');
  }

  /** `NdView<float64>[10, 5] rows 20..30 of [100, 5] shm` */
  toString(): string {
    const [a, b] = this.range;
    return `NdView<${this.dtype}>[${this.#shape.join(', ')}] rows ${a}..${b} of [${this.#src.shape.join(', ')}] ${this.#src.backing}${this.#src.closed ? ' (closed)' : ''}`;
  }

  /** For console.log and util.inspect: dtype, shape, rows, and the values (NumPy's layout). */
  [kInspectCustom](depth: number, options: FormatOptions): string {
    const [a, b] = this.range;
    const closed = this.#src.closed;
    return formatArray(
      {
        title: `NdView<${this.dtype}>`,
        fields: [`shape=[${this.#shape.join(', ')}]`, `rows=${a}:${b} of [${this.#src.shape.join(', ')}]`, `backing=${this.#src.backing}`, ...(closed ? ['closed'] : [])],
        shape: this.#shape,
        steps: stepsOf(this.#shape),
        bool: this.#src.info.name === 'bool',
        data: closed ? undefined : this.#data,
      },
      { ...options, depth },
    );
  }
}

/** C-order element steps of `shape`. */
function stepsOf(shape: readonly number[]): number[] {
  return stridesOf(shape, 1, 'C');
}

function closedError(what: string): NdshareError {
  return new NdshareError('ERR_NDSHARE_CLOSED', `Expected an open NdArray for ${what} of a rows() view but its array was closed`);
}
