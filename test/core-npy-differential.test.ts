/**
 * The .npy header parser against NumPy itself: a few hundred header variants (key order, quotes,
 * spacing, leading space, missing final newline, trailing commas, Python 2 'L' suffixes, dtypes, byte orders, Fortran flag, 0-d and
 * zero-size shapes) plus malformed ones (missing/extra keys, lists, negative or boolean
 * dimensions, wrong types, broken syntax) are written to files; python3 reads each header with
 * NumPy's own reader and loads the file, and ndshare opens each file. They must agree on
 * accept/reject and on dtype, shape and order. Allowed differences: a dtype NumPy supports and
 * ndshare does not (complex, strings, void) must be refused with ERR_NDSHARE_INVALID_DTYPE; a
 * boolean dimension such as (True,), which NumPy reads as 1, is refused as ERR_NDSHARE_BAD_HEADER.
 * Deterministic (seeded), so a failure reproduces.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { NdshareError, open } from '../src/index.js';
import { FdSnapshot } from './helpers/fds.js';
import { runPython } from './helpers/python.js';

const kCases = 400;
const dir = mkdtempSync(join(tmpdir(), 'ndshare-core-diff-'));
const fds = new FdSnapshot();
after(() => {
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(fds.leaked(), []);
});

/** mulberry32: a tiny seeded PRNG, so every run writes the same cases. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = rng(20261126);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
const chance = (p: number): boolean => random() < p;

const kDescrs = ['<f8', '<f4', '|u1', '|i1', '<i2', '<u2', '<i4', '<u4', '<i8', '<u8', '|b1', '>f8', '>i4', '>u2', 'f8', '=f4', '<b1', '<c16', '<U3', '|V4', '>c8'];

function headerText(): string {
  const q = pick(["'", '"']);
  const colon = pick([': ', ':', ' : ']);
  const comma = pick([', ', ',', ' , ']);
  const dims = Array.from({ length: pick([0, 1, 1, 2, 2, 3]) }, () => String(pick([0, 1, 2, 3, 4])));
  let shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(pick([', ', ',']))}${dims.length > 1 && chance(0.2) ? ',' : ''})`;
  if (dims.length > 0 && chance(0.05)) shape = shape.replace(/(\d)/, '$1L');
  const entries: Array<[string, string]> = [
    ['descr', `${q}${pick(kDescrs)}${q}`],
    ['fortran_order', pick(['False', 'True'])],
    ['shape', shape],
  ];
  // Malformed variants, each with a small chance.
  if (chance(0.05)) entries.pop();
  if (chance(0.05)) entries.push(['extra', `${q}x${q}`]);
  const shapeEntry = entries.find((e) => e[0] === 'shape');
  if (shapeEntry && chance(0.04)) shapeEntry[1] = `[${dims.join(', ')}]`;
  if (shapeEntry && chance(0.04)) shapeEntry[1] = '(-1, 2)';
  if (shapeEntry && chance(0.03)) shapeEntry[1] = '(True,)';
  if (shapeEntry && chance(0.03)) shapeEntry[1] = '(2.0,)';
  const fortranEntry = entries.find((e) => e[0] === 'fortran_order');
  if (fortranEntry && chance(0.04)) fortranEntry[1] = pick(['0', "'False'", 'None']);
  const descrEntry = entries.find((e) => e[0] === 'descr');
  if (descrEntry && chance(0.03)) descrEntry[1] = 'f8';
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [entries[i], entries[j]] = [entries[j] as [string, string], entries[i] as [string, string]];
  }
  let text = `{${entries.map(([k, v]) => `${q}${k}${q}${colon}${v}`).join(comma)}${chance(0.6) ? comma : ''}}`;
  if (chance(0.03)) text = text.slice(0, -1);
  if (chance(0.03)) text = text.replace(':', '');
  return text;
}

function npyBytes(text: string): Buffer {
  let t = chance(0.03) ? ` ${text}` : text;
  const newline = chance(0.95);
  while ((10 + t.length + (newline ? 1 : 0)) % 64 !== 0) t += ' ';
  if (newline) t += '\n';
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  pre.writeUInt16LE(t.length, 8);
  // Enough zero bytes for any shape generated above (at most 4*4*4 elements of 16 bytes).
  return Buffer.concat([pre, Buffer.from(t, 'latin1'), Buffer.alloc(1024)]);
}

type Verdict = { ok: true; dtype: string; shape: number[]; fortran: boolean; boolDim?: true } | { ok: false; why: string };

const kNumpyRead = `
from numpy.lib import format as fmt
import warnings
warnings.simplefilter('ignore')
res = []
for p in INPUT:
    try:
        with open(p, 'rb') as f:
            fmt.read_magic(f)
            shape, fortran, dtype = fmt.read_array_header_1_0(f)
        np.load(p, mmap_mode='r')  # the header alone accepts shapes that loading refuses
        if any(isinstance(x, bool) for x in shape):
            res.append({'ok': True, 'boolDim': True})
            continue
        res.append({'ok': True, 'dtype': dtype.name, 'shape': [int(x) for x in shape], 'fortran': bool(fortran)})
    except Exception as e:
        res.append({'ok': False, 'why': type(e).__name__ + ': ' + str(e)[:80]})
out(res)
`;

const kSupported = new Set(['bool', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32', 'float64']);

test(`ndshare and NumPy agree on ${kCases} generated .npy headers`, async () => {
  const texts = Array.from({ length: kCases }, headerText);
  const paths = texts.map((t, i) => {
    const p = join(dir, `case${i}.npy`);
    writeFileSync(p, npyBytes(t));
    return p;
  });
  const numpy = await runPython<Verdict[]>(kNumpyRead, paths);
  const disagreements: string[] = [];
  let accepted = 0;
  let refused = 0;
  for (const [i, path] of paths.entries()) {
    const np = numpy[i] ?? assert.fail('missing NumPy verdict');
    let ours: Verdict;
    try {
      const a = open(path, { mode: 'r', allowFortran: true, convert: 'copy' });
      ours = { ok: true, dtype: a.dtype, shape: [...a.shape], fortran: a.order === 'F' };
      a.close();
    } catch (err) {
      if (!(err instanceof NdshareError)) assert.fail(`case ${i} ${texts[i]}: threw a non-NdshareError: ${String(err)}`);
      ours = { ok: false, why: `${err.code}: ${err.message}` };
    }
    if (np.ok && np.boolDim) {
      // Allowed strictness: Python's bool is an int, so NumPy takes (True,) for (1,); ndshare
      // accepts only integer literals as dimensions, as NumPy itself writes them.
      if (ours.ok || !ours.why.startsWith('ERR_NDSHARE_BAD_HEADER')) disagreements.push(`case ${i} ${texts[i]}: bool dimension, ndshare ${JSON.stringify(ours)}`);
      continue;
    }
    if (np.ok && !kSupported.has(np.dtype)) {
      // The allowed difference: NumPy supports more dtypes than ndshare.
      if (ours.ok || !ours.why.startsWith('ERR_NDSHARE_INVALID_DTYPE')) disagreements.push(`case ${i} ${texts[i]}: NumPy dtype ${np.dtype}, ndshare ${JSON.stringify(ours)}`);
      continue;
    }
    // ndshare reports order 'F' only where it differs from C order: more than one dimension != 1.
    if (np.ok) np.fortran = np.fortran && np.shape.filter((d) => d !== 1).length > 1;
    if (np.ok) accepted++;
    else refused++;
    if (JSON.stringify(np) !== JSON.stringify(ours) && !(np.ok === false && ours.ok === false)) {
      disagreements.push(`case ${i} ${texts[i]}\n    NumPy:   ${JSON.stringify(np)}\n    ndshare: ${JSON.stringify(ours)}`);
    }
  }
  // The generator must exercise both sides, or agreement would prove little.
  assert.ok(accepted > kCases / 2, `only ${accepted} headers accepted`);
  assert.ok(refused > 20, `only ${refused} headers refused`);
  assert.deepEqual(disagreements, []);
});
