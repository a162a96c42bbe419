/**
 * Reading and writing the NumPy .npy header. The reader is strict and bounded: it accepts exactly
 * the Python literal NumPy writes (a dict with 'descr', 'fortran_order' and 'shape') and turns
 * anything else into ERR_NDSHARE_BAD_HEADER, never an exception of another kind.
 */
import { Buffer } from 'node:buffer';
import { escapeText, NdshareError, quoted } from '../errors.js';
import { parseDescr, type ParsedDescr } from './dtype.js';
import { sizeOf } from './validate.js';
import {
  kHeaderLenOffset,
  kMaxHeaderLength,
  kNpyAlignment,
  kNpyMagic,
  kPreludeLengthV1,
  kPreludeLengthV2,
  kVersionMajorOffset,
  kVersionMinorOffset,
} from './layout.js';

/** A parsed header. */
export interface NpyHeader {
  readonly descr: string;
  readonly dtype: ParsedDescr;
  readonly fortranOrder: boolean;
  readonly shape: readonly number[];
  /** Offset of the first data byte in the file. */
  readonly dataOffset: number;
  /** Element count and byte size of the data. */
  readonly size: number;
  readonly nbytes: number;
}

/** What the prelude says: the version and where the header text ends. */
export interface NpyPrelude {
  readonly major: number;
  readonly headerStart: number;
  readonly headerLength: number;
}

function bad(source: string, why: string): never {
  throw new NdshareError('ERR_NDSHARE_BAD_HEADER', `Expected a NumPy .npy header in ${source} but ${why}`);
}

/** Reads magic, version and header length from the first 12 bytes, with the length bounded. */
export function readPrelude(bytes: Uint8Array, source: string): NpyPrelude {
  if (bytes.length < kPreludeLengthV1) bad(source, `it has only ${bytes.length} bytes`);
  for (let i = 0; i < kNpyMagic.length; i++) {
    if (bytes[i] !== kNpyMagic[i]) bad(source, 'the magic string \\x93NUMPY is missing');
  }
  const major = bytes[kVersionMajorOffset] ?? 0;
  const minor = bytes[kVersionMinorOffset] ?? 0;
  if (major < 1 || major > 3 || minor !== 0) bad(source, `the format version is ${major}.${minor} (expected 1.0, 2.0 or 3.0)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLength: number;
  if (major === 1) {
    headerStart = kPreludeLengthV1;
    headerLength = view.getUint16(kHeaderLenOffset, true);
  } else {
    if (bytes.length < kPreludeLengthV2) bad(source, `it has only ${bytes.length} bytes`);
    headerStart = kPreludeLengthV2;
    headerLength = view.getUint32(kHeaderLenOffset, true);
  }
  if (headerLength > kMaxHeaderLength) {
    bad(source, `its header length is ${headerLength} bytes (ndshare reads at most ${kMaxHeaderLength})`);
  }
  return { major, headerStart, headerLength };
}

/** Parses the header text that follows the prelude. `bytes` must hold the whole header. */
export function parseHeader(bytes: Uint8Array, prelude: NpyPrelude, source: string): NpyHeader {
  const end = prelude.headerStart + prelude.headerLength;
  if (bytes.length < end) bad(source, `it ends inside the header (${bytes.length} of ${end} bytes)`);
  const raw = bytes.subarray(prelude.headerStart, end);
  const text = prelude.major === 3 ? new TextDecoder('utf-8', { fatal: false }).decode(raw) : latin1(raw);
  // NumPy always writes a final newline but reads headers without one (it evaluates the text as a
  // Python literal, after stripping leading spaces), so a missing newline is accepted here too.
  const dict = parsePythonDict(text, source);
  const keys = Object.keys(dict).sort();
  if (keys.join(',') !== 'descr,fortran_order,shape') bad(source, `its keys are {${keyList(keys)}} (expected descr, fortran_order, shape)`);
  const { descr, fortran_order: fortranOrder, shape } = dict;
  if (typeof descr !== 'string') bad(source, `'descr' is not a string (structured dtypes are not supported)`);
  if (typeof fortranOrder !== 'boolean') bad(source, `'fortran_order' is not True or False`);
  if (!Array.isArray(shape)) bad(source, `'shape' is not a tuple`);
  const dtype = parseDescr(descr);
  if (!dtype) {
    throw new NdshareError(
      'ERR_NDSHARE_INVALID_DTYPE',
      `Expected a supported numeric dtype in ${source} but its header says ${quoted(descr)}`,
    );
  }
  const { size, nbytes } = sizeOf(shape, dtype.info, `the shape in ${source}`);
  return { descr, dtype, fortranOrder, shape, dataOffset: end, size, nbytes };
}

/**
 * Formats a version 1.0 header whose data starts at `dataOffset` (a multiple of 64, at least large
 * enough for the text). The text is what numpy.save writes, padded with spaces.
 */
export function formatHeader(descr: string, shape: readonly number[], dataOffset: number): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const headerLength = dataOffset - kPreludeLengthV1;
  if (dataOffset % kNpyAlignment !== 0 || dict.length + 1 > headerLength || headerLength > 0xffff) {
    throw new NdshareError('ERR_NDSHARE_TOO_LARGE', `Expected a shape whose .npy header fits ${dataOffset} bytes but received (${shape.join(', ')})`);
  }
  const out = new Uint8Array(dataOffset).fill(0x20);
  out.set(kNpyMagic, 0);
  out[kVersionMajorOffset] = 1;
  out[kVersionMinorOffset] = 0;
  new DataView(out.buffer).setUint16(kHeaderLenOffset, headerLength, true);
  for (let i = 0; i < dict.length; i++) out[kPreludeLengthV1 + i] = dict.charCodeAt(i);
  out[dataOffset - 1] = 0x0a;
  return out;
}

/** Most keys a message lists: a 64 KiB header can hold thousands. */
const kListedKeysMax = 8;

/** Header keys for a message, each escaped (a hostile header may hold terminal escapes) and the list bounded. */
function keyList(keys: readonly string[]): string {
  const shown = keys.slice(0, kListedKeysMax).map((k) => escapeText(k));
  return keys.length > kListedKeysMax ? `${shown.join(',')},... (${keys.length} keys)` : shown.join(',');
}

/** ISO-8859-1 (every byte one code point), decoded natively: Buffer's 'latin1' is exactly that. */
function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/**
 * What the regular expression `\s` matches, one character code at a time: the ASCII ones are
 * tested by code (an ndshare segment's header is padded with some 4000 spaces up to its 4096-byte
 * data offset, which a regular expression per character made the slowest step of every attach),
 * anything above ASCII by the expression itself, so the accepted text is exactly what it was.
 */
function isSpace(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) return true;
  return c > 0x7f && /\s/.test(text[i] ?? '');
}

type PyValue = string | boolean | number[];

/**
 * A tiny parser for the one Python literal NumPy writes: `{'key': value, ...}` where a value is a
 * quoted string, True/False, or a tuple of non-negative integers. Trailing commas and whitespace
 * are allowed, as are NumPy's `L` suffixes from Python 2 files.
 */
function parsePythonDict(padded: string, source: string): Record<string, PyValue> {
  // The padding goes in one native call: trimEnd() removes exactly the characters `\s` matches
  // (WhiteSpace and LineTerminator), so the text accepted is the same.
  const text = padded.trimEnd();
  let i = 0;
  const out: Record<string, PyValue> = Object.create(null) as Record<string, PyValue>;
  const ws = (): void => {
    while (i < text.length && isSpace(text, i)) i++;
  };
  const expect = (ch: string): void => {
    ws();
    if (text[i] !== ch) bad(source, `its header has ${quoted(text[i] ?? 'end of text')} where ${quoted(ch)} belongs`);
    i++;
  };
  const str = (): string => {
    ws();
    const q = text[i];
    if (q !== "'" && q !== '"') bad(source, 'its header has a key or value that is not a quoted string');
    const close = text.indexOf(q, i + 1);
    if (close < 0) bad(source, 'its header has an unterminated string');
    const s = text.slice(i + 1, close);
    if (s.includes('\\')) bad(source, 'its header has an escaped string');
    i = close + 1;
    return s;
  };
  const int = (): number => {
    ws();
    const m = /^\d+L?/.exec(text.slice(i, i + 24));
    if (!m) bad(source, 'its shape holds something other than non-negative integers');
    i += m[0].length;
    const n = Number(m[0].replace('L', ''));
    if (!Number.isSafeInteger(n)) bad(source, `its shape has a dimension of ${m[0]}`);
    return n;
  };
  const value = (): PyValue => {
    ws();
    const c = text[i];
    if (c === "'" || c === '"') return str();
    if (text.startsWith('True', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('False', i)) {
      i += 5;
      return false;
    }
    if (c === '(') {
      i++;
      const dims: number[] = [];
      ws();
      if (text[i] === ')') {
        i++;
        return dims;
      }
      for (;;) {
        dims.push(int());
        if (dims.length > 64) bad(source, 'its shape has more than 64 dimensions');
        ws();
        if (text[i] === ',') {
          i++;
          ws();
          if (text[i] === ')') {
            i++;
            return dims;
          }
          continue;
        }
        if (text[i] === ')') {
          i++;
          // Python requires a trailing comma for a 1-tuple; `(3)` is just the integer 3.
          if (dims.length === 1) bad(source, "its shape '(n)' is not a tuple");
          return dims;
        }
        bad(source, 'its shape tuple is malformed');
      }
    }
    return bad(source, `its header has an unsupported value at offset ${i}`);
  };
  expect('{');
  for (;;) {
    ws();
    if (text[i] === '}') {
      i++;
      break;
    }
    const key = str();
    if (key in out) bad(source, `its header repeats the key '${escapeText(key)}'`);
    expect(':');
    out[key] = value();
    ws();
    if (text[i] === ',') {
      i++;
      continue;
    }
    expect('}');
    break;
  }
  ws();
  if (i !== text.length) bad(source, 'its header has text after the dict');
  return out;
}
