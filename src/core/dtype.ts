/** Element types, named as NumPy names them, with their `.npy` descr and JavaScript view. */
import { invalid, NdshareError } from '../errors.js';

/** The dtypes ndshare supports. */
export type DType =
  | 'bool'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'float32'
  | 'float64';

/** The TypedArray that views each dtype. */
export interface TypedArrayMap {
  bool: Uint8Array;
  int8: Int8Array;
  uint8: Uint8Array;
  int16: Int16Array;
  uint16: Uint16Array;
  int32: Int32Array;
  uint32: Uint32Array;
  int64: BigInt64Array;
  uint64: BigUint64Array;
  float32: Float32Array;
  float64: Float64Array;
}

/** The little-endian NumPy descr of each dtype, as `np.dtype(name).str` and `.npy` headers spell it. */
export interface DescrMap {
  bool: '|b1';
  int8: '|i1';
  uint8: '|u1';
  int16: '<i2';
  uint16: '<u2';
  int32: '<i4';
  uint32: '<u4';
  int64: '<i8';
  uint64: '<u8';
  float32: '<f4';
  float64: '<f8';
}

/** The little-endian NumPy descr of a dtype, as NumPy writes it ('<f8', '|u1', ...). */
export type Descr = DescrMap[DType];

/** A descr's type code without byte order: 'f8' for float64. */
type TypeCode<D extends DType> = DescrMap[D] extends `${'<' | '|'}${infer C}` ? C : never;

/**
 * Every descr spelling of one dtype that is native little-endian: NumPy's own ('<f8', '|u1'), and
 * the same code with '=' or no byte order ('=f8', 'f8'; '<u1' for a 1-byte type).
 */
export type DescrOf<D extends DType> = DescrMap[D] | `${'' | '=' | '<'}${TypeCode<D>}`;

/**
 * Every spelling of a dtype that `create()`, `attach(h, { dtype })` and the other dtype options
 * accept: a dtype name or a little-endian descr of it. A typo ('flaot64') or a big-endian descr
 * ('>f8') does not compile (and is refused at run time, for untyped callers).
 */
export type DTypeLike = DType | { [K in DType]: DescrOf<K> }[DType];

/** The dtype a spelling names: `DTypeOf<'<f8'>` and `DTypeOf<'float64'>` are both 'float64'. */
export type DTypeOf<S extends DTypeLike> = S extends DType ? S : { [K in DType]: S extends DescrOf<K> ? K : never }[DType];

/** Any TypedArray ndshare hands out. */
export type AnyTypedArray = TypedArrayMap[DType];

/** The value type of one element: bigint for 64-bit integers, number otherwise (bool is 0/1). */
export type ElementOf<D extends DType> = D extends 'int64' | 'uint64' ? bigint : number;

type TypedArrayCtor = new (buffer: ArrayBufferLike, byteOffset?: number, length?: number) => AnyTypedArray;

/** Static facts about one dtype. */
export interface DTypeInfo<D extends DType = DType> {
  readonly name: D;
  /** Little-endian NumPy descr, as written into .npy headers ('<f8', '|b1'). */
  readonly descr: DescrMap[D];
  readonly itemsize: number;
  readonly bigint: boolean;
  readonly ctor: TypedArrayCtor;
}

// Each row is checked against its own name, so a row whose descr disagrees with DescrMap fails to compile.
const TABLE: ReadonlyArray<{ [D in DType]: DTypeInfo<D> }[DType]> = [
  { name: 'bool', descr: '|b1', itemsize: 1, bigint: false, ctor: Uint8Array },
  { name: 'int8', descr: '|i1', itemsize: 1, bigint: false, ctor: Int8Array },
  { name: 'uint8', descr: '|u1', itemsize: 1, bigint: false, ctor: Uint8Array },
  { name: 'int16', descr: '<i2', itemsize: 2, bigint: false, ctor: Int16Array },
  { name: 'uint16', descr: '<u2', itemsize: 2, bigint: false, ctor: Uint16Array },
  { name: 'int32', descr: '<i4', itemsize: 4, bigint: false, ctor: Int32Array },
  { name: 'uint32', descr: '<u4', itemsize: 4, bigint: false, ctor: Uint32Array },
  { name: 'int64', descr: '<i8', itemsize: 8, bigint: true, ctor: BigInt64Array },
  { name: 'uint64', descr: '<u8', itemsize: 8, bigint: true, ctor: BigUint64Array },
  { name: 'float32', descr: '<f4', itemsize: 4, bigint: false, ctor: Float32Array },
  { name: 'float64', descr: '<f8', itemsize: 8, bigint: false, ctor: Float64Array },
];

/** Every supported dtype name, in a stable order. */
export const DTYPES: readonly DType[] = TABLE.map((d) => d.name);

const BY_NAME = new Map<string, DTypeInfo>(TABLE.map((d) => [d.name, d]));
// Type code without byte order ('f8', 'b1', ...) to dtype.
const BY_CODE = new Map<string, DTypeInfo>(TABLE.map((d) => [d.descr.slice(1), d]));
const EXPECTED = `a dtype name (${DTYPES.join(', ')}) or a little-endian NumPy descr such as '<f8'`;

/** The result of reading a descr: a native dtype, or a big-endian one that needs a byte swap. */
export type ParsedDescr = { state: 'native'; info: DTypeInfo } | { state: 'swapped'; info: DTypeInfo };

/** Parses a NumPy descr ('<f8', '>i4', '|u1', '=f4', 'f8'); undefined if it is not one we support. */
export function parseDescr(descr: string): ParsedDescr | undefined {
  const m = /^([<>|=]?)([biuf][1248])$/.exec(descr);
  if (!m) return undefined;
  const [, order, code] = m;
  const info = BY_CODE.get(code ?? '');
  if (!info) return undefined;
  const swapped = order === '>' && info.itemsize > 1;
  // '|' (not applicable) is what NumPy writes for 1-byte types; for wider types it is invalid.
  if (order === '|' && info.itemsize > 1) return undefined;
  return swapped ? { state: 'swapped', info } : { state: 'native', info };
}

/** Resolves a user-supplied dtype (name or descr) or throws ERR_NDSHARE_INVALID_DTYPE. */
export function resolveDType(value: unknown, what = 'dtype'): DTypeInfo {
  if (typeof value !== 'string') return invalid('ERR_NDSHARE_INVALID_DTYPE', EXPECTED, what, value);
  const byName = BY_NAME.get(value);
  if (byName) return byName;
  const parsed = parseDescr(value);
  if (!parsed) return invalid('ERR_NDSHARE_INVALID_DTYPE', EXPECTED, what, value);
  if (parsed.state === 'swapped') {
    throw new NdshareError(
      'ERR_NDSHARE_NOT_NATIVE',
      `Expected a little-endian dtype for ${what} but received ${JSON.stringify(value)} (big-endian); ` +
        `ndshare arrays are native little-endian, use '${parsed.info.descr}'`,
    );
  }
  return parsed.info;
}

/** Looks up a dtype by its ndshare name (internal values that were already validated). */
export function dtypeInfo(name: DType): DTypeInfo {
  const info = BY_NAME.get(name);
  if (!info) throw new NdshareError('ERR_NDSHARE_INVALID_DTYPE', `Unknown dtype ${JSON.stringify(name)}`);
  return info;
}
