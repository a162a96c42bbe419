/**
 * A user's strict TypeScript over the published types of 'ndshare' and 'ndshare/receive'. Never
 * run, only compiled: test/api-types.test.ts type-checks it with `tsc --noEmit --strict` once per
 * moduleResolution, against the built package as an app installs it. Every line must compile, and
 * every `@ts-expect-error` must still catch its error (an unused one fails the check too).
 */
import { attach, create, createFor, inheritedArrays, LockedArray, open, share, type DType, type Handle, type NdArray } from 'ndshare';
import { receive } from 'ndshare/receive';

/** True only when A and B are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Compiles only when given `true`. */
function assertType<T extends true>(_: T): void {}

declare const fromJson: unknown;

export function sumAfterCheckedAttach(): number {
  const a = attach(fromJson, { dtype: 'float64' });
  assertType<Equal<typeof a, NdArray<'float64'>>>(true);
  let s = 0;
  for (const v of a.data) s += v;
  a.data.fill(0);
  a.close();
  return s;
}

export function sumAfterIs(): number {
  const a = attach(fromJson);
  assertType<Equal<typeof a, NdArray<DType>>>(true);
  let s = 0;
  if (a.is('float64')) {
    for (const v of a.data) s += v;
    a.data.fill(0);
  }
  // A descr names the same dtype.
  if (a.is('<i4')) for (const v of a.data) s += v;
  return s;
}

export function sumFromTypedHandle(): number {
  const owner = create({ dtype: 'float64', shape: [2, 3] });
  const h: Handle<'float64'> = owner.handle;
  const b = attach(h, { mode: 'r' });
  const t = attach(owner.threadHandle);
  assertType<Equal<typeof b, NdArray<'float64'>>>(true);
  assertType<Equal<typeof t, NdArray<'float64'>>>(true);
  let s = 0;
  for (const v of b.data) s += v;
  // A handle that went through JSON lost its type: check it again.
  const back = attach(JSON.parse(JSON.stringify(h)) as unknown, { dtype: '<f8' });
  for (const v of back.data) s += v;
  for (const a of [b, t, back, owner]) a.close();
  return s;
}

export function int64IsBigint(): bigint {
  const a = create({ dtype: 'int64', shape: 4, fill: 1n });
  assertType<Equal<typeof a.data, BigInt64Array>>(true);
  let s = 0n;
  for (const v of a.data) s += v;
  a.data.fill(0n);
  const u = create({ dtype: '<u8', shape: 1 });
  assertType<Equal<typeof u, NdArray<'uint64'>>>(true);
  a.close();
  u.close();
  return s;
}

export function descrAndNames(): void {
  const byDescr = create({ dtype: '<f8', shape: 1, backing: 'heap' });
  const bool = create({ dtype: '|b1', shape: 1, backing: 'heap' });
  const u8 = create({ dtype: '|u1', shape: 1, backing: 'heap' });
  assertType<Equal<typeof byDescr, NdArray<'float64'>>>(true);
  assertType<Equal<typeof bool.data, Uint8Array>>(true);
  assertType<Equal<typeof u8, NdArray<'uint8'>>>(true);
  // A dtype held in a variable of the union type still compiles, as an NdArray of any dtype.
  const name = 'int16' as DType;
  const any = create({ dtype: name, shape: 1, backing: 'heap' });
  assertType<Equal<typeof any, NdArray<DType>>>(true);
}

export function openAndCreateFor(path: string): number {
  const f = open(path, { dtype: 'float64', mode: 'r' });
  const g = createFor('shm', 'process', { dtype: 'float32', shape: [10] });
  assertType<Equal<typeof g, NdArray<'float32'>>>(true);
  let s = 0;
  for (const v of f.data) s += v;
  for (const v of g.data) s += v;
  g.data.fill(0);
  f.close();
  g.close();
  return s;
}

export function inherited(): number {
  const [x, y] = inheritedArrays({ dtype: ['float64', '<i8'] });
  assertType<Equal<typeof x, NdArray<'float64'>>>(true);
  assertType<Equal<typeof y, NdArray<'int64'>>>(true);
  const all = inheritedArrays({ dtype: 'int32', mode: 'r' });
  assertType<Equal<typeof all, NdArray<'int32'>[]>>(true);
  let s = 0;
  for (const v of x.data) s += v;
  return s;
}

export async function child(): Promise<number> {
  const got = await receive<'float64'>();
  let s = 0;
  if (got.form === 'array') for (const v of got.array.data) s += v;
  return s;
}

export async function checkedChild(): Promise<number> {
  const got = await receive({ dtype: 'float64' });
  if (got.form !== 'array') return 0;
  let s = 0;
  for (const v of got.array.data) s += v;
  await got.reply(s);
  return s;
}

export function locked(): void {
  const la = LockedArray.create({ dtype: 'float64', shape: 8 });
  const again = LockedArray.attach(la.handle);
  const fromJsonLocked = LockedArray.attach(fromJson, { dtype: 'float64' });
  assertType<Equal<typeof again, LockedArray<'float64'>>>(true);
  assertType<Equal<typeof fromJsonLocked, LockedArray<'float64'>>>(true);
}

export function mistakesDoNotCompile(path: string): void {
  // @ts-expect-error: a misspelt dtype name
  create({ dtype: 'flaot64', shape: 1 });
  // @ts-expect-error: a misspelt dtype name
  attach(fromJson, { dtype: 'flaot64' });
  // @ts-expect-error: a misspelt dtype name
  open(path, { dtype: 'flaot64' });
  // @ts-expect-error: a misspelt dtype name
  createFor('shm', 'process', { dtype: 'flaot64', shape: 1 });
  // @ts-expect-error: a big-endian descr (ndshare arrays are little-endian)
  create({ dtype: '>f8', shape: 1 });
  // @ts-expect-error: any string is not a dtype
  create({ dtype: 'float64' as string, shape: 1 });
  const f = create({ dtype: 'float64', shape: 1 });
  // @ts-expect-error: a misspelt dtype name
  f.is('flaot64');
  // @ts-expect-error: a bigint added to a float64 element
  f.data[0] = (f.data[0] ?? 0) + 1n;
  // @ts-expect-error: a bigint written into a float64 array
  f.data.fill(0n);
  let s = 0;
  // @ts-expect-error: an untyped attach is an array of any dtype, so summing it needs a narrowing first
  for (const v of attach(fromJson).data) s += v;
  const big = create({ dtype: 'int64', shape: 1 });
  // @ts-expect-error: a number written into an int64 array
  big.data.fill(0);
}

export async function receiveMistakes(): Promise<void> {
  // @ts-expect-error: a misspelt dtype name
  await receive({ dtype: 'flaot64' });
}

export function everyLittleEndianSpelling(): void {
  const native = create({ dtype: '=i4', shape: 1, backing: 'heap' });
  const bare = create({ dtype: 'f4', shape: 1, backing: 'heap' });
  const oneByte = create({ dtype: '<u1', shape: 1, backing: 'heap' });
  assertType<Equal<typeof native, NdArray<'int32'>>>(true);
  assertType<Equal<typeof bare, NdArray<'float32'>>>(true);
  assertType<Equal<typeof oneByte, NdArray<'uint8'>>>(true);
  // @ts-expect-error: '|' is for 1-byte types only
  create({ dtype: '|f8', shape: 1 });
}

/** The README quickstart, in the form it documents. */
export function readmeQuickstart(): void {
  const a = create({ dtype: 'float64', shape: [1000, 1000], fill: 1 });
  const handle = JSON.stringify(a.handle);
  const b = attach(JSON.parse(handle), { dtype: 'float64' });
  b.data[0] = 42;
  console.log(a.data[0], a.path);
  const c = attach(JSON.parse(handle));
  // @ts-expect-error: without { dtype } (or is()) data is any of the typed arrays, whose fill() takes never
  c.data.fill(0);
}

/** docs/methods.md's child, in the form it documents. */
export async function methodsChild(): Promise<void> {
  const got = await receive({ dtype: 'float64' });
  if (got.form === 'proxy') {
    // Typed by the dtype: a float64 manager array's sum and elements are numbers.
    const total: number = await got.proxy.sum();
    const first: number = await got.proxy.get(0);
    const slice: Float64Array = await got.proxy.read(0, 2);
    return got.reply({ sum: total + first + slice.length });
  }
  let sum = 0;
  for (const v of got.array.data) sum += v;
  await got.reply({ shape: got.array.shape, sum });
}

/** A manager proxy received without a dtype: sums may be bigints until narrowed with is(). */
export async function managerUntyped(): Promise<void> {
  const got = await receive();
  if (got.form !== 'proxy') return;
  // @ts-expect-error: without { dtype } (or is()) a sum may be a bigint (int64, uint64)
  const wide: number = await got.proxy.sum();
  if (got.proxy.is('int64')) {
    const big: bigint = await got.proxy.sum();
    await got.reply({ wide, big: String(big) });
  }
}

/** The manager builds the array in its server: share({ build }) instead of an array. */
export async function managerBuild(): Promise<void> {
  const peer = await share({ build: { dtype: 'float64', shape: [10], fill: 1 } }, { method: 'manager', entry: new URL('./child.js', import.meta.url) });
  await peer.close();
}
