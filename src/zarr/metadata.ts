/**
 * Zarr array metadata, v2 (`.zarray`) and v3 (`zarr.json`): parsed from untrusted JSON into one
 * `ZarrMeta`, and written back for `publish()`. Only what ndshare can map into an NdArray is
 * accepted (C order, regular chunk grid, no filters or transposes, no sharding); anything else is
 * refused with a typed error that names the field.
 */
import { escapeText, NdshareError } from '../errors.js';
import { dtypeInfo, parseDescr, type DType, type DTypeInfo } from '../core/dtype.js';
import { sizeOf } from '../core/validate.js';

/** Zarr format versions ndshare reads and writes. */
export type ZarrFormat = 2 | 3;

/** One compressor (v2) or bytes-to-bytes codec (v3), by ndshare's name for it. */
export type CodecSpec =
  | { readonly id: 'zlib' | 'gzip'; readonly level: number }
  | { readonly id: 'blosc'; readonly cname: string; readonly clevel: number; readonly shuffle: 0 | 1 | 2; readonly blocksize: number }
  | { readonly id: 'zstd'; readonly level: number }
  | { readonly id: 'lz4'; readonly acceleration: number };

/** What ndshare needs to know about a Zarr array, whichever format it came from. */
export interface ZarrMeta {
  readonly format: ZarrFormat;
  readonly info: DTypeInfo;
  readonly shape: readonly number[];
  readonly chunks: readonly number[];
  /** null: chunks are stored raw. */
  readonly codec: CodecSpec | null;
  /** The value of an element no chunk holds. */
  readonly fill: number | bigint;
  /** Key of a chunk from its grid coordinates ('0.3' for v2, 'c/0/3' for default v3). */
  readonly chunkKey: (coords: readonly number[]) => string;
}

/** The metadata key of each format, relative to the array's root. */
export const kMetaKeyV2 = '.zarray';
export const kAttrsKeyV2 = '.zattrs';
export const kMetaKeyV3 = 'zarr.json';

function bad(where: string, expected: string, received: unknown): never {
  const got = received === undefined ? 'nothing' : escapeText(JSON.stringify(received) ?? String(received), 80);
  throw new NdshareError('ERR_NDSHARE_ZARR_BAD_METADATA', `Expected ${expected} for ${where} but received ${got}; the array's metadata is corrupt or not Zarr`);
}

function unsupported(where: string, what: unknown, fix: string): never {
  const got = escapeText(JSON.stringify(what) ?? String(what), 80);
  throw new NdshareError('ERR_NDSHARE_ZARR_UNSUPPORTED', `Expected a Zarr feature ndshare supports for ${where} but received ${got}; ${fix}`);
}

/** Parses metadata bytes as a JSON object, or throws ERR_NDSHARE_ZARR_BAD_METADATA (truncated files land here). */
export function parseJsonObject(bytes: Uint8Array, where: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new NdshareError('ERR_NDSHARE_ZARR_BAD_METADATA', `Expected JSON in ${where} but it does not parse (${bytes.length} bytes: truncated or corrupt); re-publish the array`, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad(where, 'a JSON object', value);
  return value as Record<string, unknown>;
}

function dims(value: unknown, where: string, positive: boolean): number[] {
  if (!Array.isArray(value) || value.length > 64) bad(where, 'a list of at most 64 integers', value);
  return value.map((d: unknown) => {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < (positive ? 1 : 0)) bad(where, positive ? 'positive integers' : 'non-negative integers', value);
    return d;
  });
}

function fillOf(value: unknown, info: DTypeInfo, where: string): number | bigint {
  if (value === null || value === undefined) return info.bigint ? 0n : 0;
  if (info.name === 'bool') {
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (value === 0 || value === 1) return value;
    return bad(where, 'true, false or null', value);
  }
  if (info.bigint) {
    if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
    return bad(where, 'an integer or null', value);
  }
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  return bad(where, 'a number, "NaN", "Infinity", "-Infinity" or null', value);
}

function level(value: unknown, where: string, lo: number, hi: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < lo || value > hi) bad(where, `an integer from ${lo} to ${hi}`, value);
  return value;
}

const kShuffleNames = ['noshuffle', 'shuffle', 'bitshuffle'] as const;

/** A v2 compressor object (numcodecs' config form). */
function codecV2(value: unknown): CodecSpec | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value)) return bad('.zarray compressor', 'null or an object with an "id"', value);
  const c = value as Record<string, unknown>;
  switch (c['id']) {
    case 'zlib':
    case 'gzip':
      return { id: c['id'], level: level(c['level'], `.zarray compressor.level`, -1, 9, 1) };
    case 'blosc': {
      const shuffle = c['shuffle'] ?? 1;
      if (shuffle !== 0 && shuffle !== 1 && shuffle !== 2) return unsupported('.zarray compressor.shuffle', shuffle, 'blosc shuffle 0, 1 or 2 is supported');
      const cname = typeof c['cname'] === 'string' ? c['cname'] : 'lz4';
      return { id: 'blosc', cname, clevel: level(c['clevel'], '.zarray compressor.clevel', 0, 9, 5), shuffle, blocksize: level(c['blocksize'], '.zarray compressor.blocksize', 0, 2 ** 31, 0) };
    }
    case 'zstd':
      return { id: 'zstd', level: level(c['level'], '.zarray compressor.level', -131072, 22, 1) };
    case 'lz4':
      return { id: 'lz4', acceleration: level(c['acceleration'], '.zarray compressor.acceleration', 1, 65537, 1) };
    default:
      return unsupported('.zarray compressor.id', c['id'], 'ndshare reads zlib, gzip, blosc, zstd and lz4; re-write the array with one of them');
  }
}

/** Parses a `.zarray` document. */
export function parseV2(doc: Record<string, unknown>): ZarrMeta {
  if (doc['zarr_format'] !== 2) bad('.zarray zarr_format', '2', doc['zarr_format']);
  const shape = dims(doc['shape'], '.zarray shape', false);
  const chunks = dims(doc['chunks'], '.zarray chunks', true);
  if (chunks.length !== shape.length) bad('.zarray chunks', `${shape.length} dimensions (as many as shape)`, doc['chunks']);
  const dtype = doc['dtype'];
  if (typeof dtype !== 'string') return bad('.zarray dtype', 'a NumPy dtype string such as "<f8"', dtype);
  const parsed = parseDescr(dtype);
  if (!parsed) {
    throw new NdshareError('ERR_NDSHARE_INVALID_DTYPE', `Expected a numeric or bool dtype ndshare supports for .zarray dtype but received ${JSON.stringify(escapeText(dtype))}; ndshare arrays hold bool, (u)int8-64, float32 and float64`);
  }
  if (parsed.state === 'swapped') return unsupported('.zarray dtype', dtype, 'ndshare reads little-endian data; re-write the array with a "<" dtype');
  if (doc['order'] !== 'C') return unsupported('.zarray order', doc['order'], 'ndshare reads C-order chunks; re-write the array with order="C"');
  const filters = doc['filters'];
  if (filters !== null && filters !== undefined && !(Array.isArray(filters) && filters.length === 0)) return unsupported('.zarray filters', filters, 'ndshare reads arrays without filters');
  const sep = doc['dimension_separator'] ?? '.';
  if (sep !== '.' && sep !== '/') bad('.zarray dimension_separator', '"." or "/"', sep);
  const info = parsed.info;
  sizeOf(shape, info, '.zarray shape');
  return { format: 2, info, shape, chunks, codec: codecV2(doc['compressor']), fill: fillOf(doc['fill_value'], info, '.zarray fill_value'), chunkKey: (c) => (c.length === 0 ? '0' : c.join(sep)) };
}

function named(value: unknown, where: string): { name: string; configuration: Record<string, unknown> } {
  if (typeof value === 'string') return { name: value, configuration: {} };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad(where, 'an object with a "name"', value);
  const v = value as Record<string, unknown>;
  if (typeof v['name'] !== 'string') bad(`${where}.name`, 'a string', v['name']);
  const conf = v['configuration'] ?? {};
  if (typeof conf !== 'object' || conf === null || Array.isArray(conf)) bad(`${where}.configuration`, 'an object', conf);
  return { name: v['name'] as string, configuration: conf as Record<string, unknown> };
}

function codecV3(value: unknown, where: string): CodecSpec {
  const { name, configuration: c } = named(value, where);
  switch (name) {
    case 'gzip':
      return { id: 'gzip', level: level(c['level'], `${where}.level`, 0, 9, 1) };
    case 'zstd':
      return { id: 'zstd', level: level(c['level'], `${where}.level`, -131072, 22, 0) };
    case 'blosc': {
      const shuffle = kShuffleNames.indexOf(c['shuffle'] as (typeof kShuffleNames)[number]);
      if (shuffle < 0) return unsupported(`${where}.shuffle`, c['shuffle'], 'blosc shuffle is one of "noshuffle", "shuffle", "bitshuffle"');
      return { id: 'blosc', cname: typeof c['cname'] === 'string' ? c['cname'] : 'lz4', clevel: level(c['clevel'], `${where}.clevel`, 0, 9, 5), shuffle: shuffle as 0 | 1 | 2, blocksize: level(c['blocksize'], `${where}.blocksize`, 0, 2 ** 31, 0) };
    }
    default:
      return unsupported(where, name, 'ndshare reads the v3 codecs bytes, gzip, zstd and blosc (no sharding, transpose or checksums); re-write the array with them');
  }
}

/** v3 data type names that ndshare maps one to one. */
const kV3Types: Readonly<Record<string, DType>> = {
  bool: 'bool',
  int8: 'int8',
  uint8: 'uint8',
  int16: 'int16',
  uint16: 'uint16',
  int32: 'int32',
  uint32: 'uint32',
  int64: 'int64',
  uint64: 'uint64',
  float32: 'float32',
  float64: 'float64',
};

/** Parses a v3 `zarr.json` document of an array. */
export function parseV3(doc: Record<string, unknown>): ZarrMeta {
  if (doc['zarr_format'] !== 3) bad('zarr.json zarr_format', '3', doc['zarr_format']);
  if (doc['node_type'] !== 'array') bad('zarr.json node_type', '"array" (this is a group, or not an array)', doc['node_type']);
  const shape = dims(doc['shape'], 'zarr.json shape', false);
  const type = doc['data_type'];
  const dtype = typeof type === 'string' ? kV3Types[type] : undefined;
  if (dtype === undefined) {
    throw new NdshareError('ERR_NDSHARE_INVALID_DTYPE', `Expected a v3 data_type ndshare supports (${Object.keys(kV3Types).join(', ')}) for zarr.json data_type but received ${escapeText(JSON.stringify(type) ?? 'nothing')}`);
  }
  const info = dtypeInfo(dtype);
  const grid = named(doc['chunk_grid'], 'zarr.json chunk_grid');
  if (grid.name !== 'regular') return unsupported('zarr.json chunk_grid', grid.name, 'ndshare reads the regular chunk grid');
  const chunks = dims(grid.configuration['chunk_shape'], 'zarr.json chunk_grid.configuration.chunk_shape', true);
  if (chunks.length !== shape.length) bad('zarr.json chunk_shape', `${shape.length} dimensions (as many as shape)`, chunks);
  const enc = named(doc['chunk_key_encoding'] ?? { name: 'default' }, 'zarr.json chunk_key_encoding');
  const sep = enc.configuration['separator'] ?? (enc.name === 'default' ? '/' : '.');
  if (sep !== '.' && sep !== '/') bad('zarr.json chunk_key_encoding.configuration.separator', '"." or "/"', sep);
  let chunkKey: ZarrMeta['chunkKey'];
  if (enc.name === 'default') chunkKey = (c) => ['c', ...c].join(sep);
  else if (enc.name === 'v2') chunkKey = (c) => (c.length === 0 ? '0' : c.join(sep));
  else return unsupported('zarr.json chunk_key_encoding', enc.name, 'ndshare reads the "default" and "v2" chunk key encodings');
  const transformers = doc['storage_transformers'];
  if (transformers !== undefined && !(Array.isArray(transformers) && transformers.length === 0)) return unsupported('zarr.json storage_transformers', transformers, 'ndshare reads arrays without storage transformers');
  const codecs = doc['codecs'];
  if (!Array.isArray(codecs) || codecs.length === 0) return bad('zarr.json codecs', 'a list of codecs starting with "bytes"', codecs);
  const [first, ...rest] = codecs as unknown[];
  const bytes = named(first, 'zarr.json codecs[0]');
  if (bytes.name !== 'bytes') return unsupported('zarr.json codecs[0]', bytes.name, 'ndshare reads arrays whose first codec is "bytes" (no sharding or transpose)');
  const endian = bytes.configuration['endian'];
  if (info.itemsize > 1 && endian !== 'little') return unsupported('zarr.json codecs[0].configuration.endian', endian, 'ndshare reads little-endian data');
  if (rest.length > 1) return unsupported('zarr.json codecs', codecs, 'ndshare reads at most one bytes-to-bytes codec after "bytes"');
  const codec = rest.length === 1 ? codecV3(rest[0], 'zarr.json codecs[1]') : null;
  sizeOf(shape, info, 'zarr.json shape');
  return { format: 3, info, shape, chunks, codec, fill: fillOf(doc['fill_value'], info, 'zarr.json fill_value'), chunkKey };
}

function fillJson(fill: number | bigint, info: DTypeInfo): unknown {
  if (info.name === 'bool') return fill !== 0;
  if (typeof fill === 'bigint') return Number(fill);
  if (Number.isNaN(fill)) return 'NaN';
  if (fill === Number.POSITIVE_INFINITY) return 'Infinity';
  if (fill === Number.NEGATIVE_INFINITY) return '-Infinity';
  return fill;
}

/** The `.zarray` text of an array (what zarr-python 2.13 writes for the same array). */
export function formatV2(m: Omit<ZarrMeta, 'chunkKey' | 'format'>): string {
  const compressor = m.codec === null ? null : m.codec.id === 'blosc' ? { id: 'blosc', cname: m.codec.cname, clevel: m.codec.clevel, shuffle: m.codec.shuffle, blocksize: m.codec.blocksize } : m.codec;
  const doc = { chunks: m.chunks, compressor, dimension_separator: '.', dtype: m.info.descr, fill_value: fillJson(m.fill, m.info), filters: null, order: 'C', shape: m.shape, zarr_format: 2 };
  return `${JSON.stringify(doc, null, 4)}\n`;
}

/** The `zarr.json` text of an array (Zarr v3 core spec). */
export function formatV3(m: Omit<ZarrMeta, 'chunkKey' | 'format'>, attributes: Record<string, unknown>): string {
  const codecs: unknown[] = [{ name: 'bytes', configuration: { endian: 'little' } }];
  if (m.codec !== null) {
    if (m.codec.id === 'blosc') {
      codecs.push({ name: 'blosc', configuration: { cname: m.codec.cname, clevel: m.codec.clevel, shuffle: kShuffleNames[m.codec.shuffle], typesize: m.info.itemsize, blocksize: m.codec.blocksize } });
    } else if (m.codec.id === 'gzip' || m.codec.id === 'zstd') {
      codecs.push({ name: m.codec.id, configuration: { level: m.codec.level } });
    } else {
      throw new NdshareError('ERR_NDSHARE_ZARR_UNSUPPORTED', `Expected compressor 'gzip', 'blosc' or 'none' for a Zarr v3 array but received '${m.codec.id}'; v3 has no ${m.codec.id} codec, use 'gzip' (the same deflate)`);
    }
  }
  const doc = {
    zarr_format: 3,
    node_type: 'array',
    shape: m.shape,
    data_type: m.info.name,
    chunk_grid: { name: 'regular', configuration: { chunk_shape: m.chunks } },
    chunk_key_encoding: { name: 'default', configuration: { separator: '/' } },
    fill_value: fillJson(m.fill, m.info),
    codecs,
    attributes,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
