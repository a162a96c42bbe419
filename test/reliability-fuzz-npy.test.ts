/**
 * Hostile .npy files: open() and attach() of mutated files (magic, version, header length up to
 * 2^32-1, dtype strings, shape overflow, truncation, random bytes). Every case ends in success or
 * a typed NdshareError; none crashes, hangs or grows memory without bound. Also the same bytes as
 * a shm segment, through attach() by name.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { attach, open } from '../src/index.js';
import { ShmSnapshot } from './helpers/shm.js';
import { classify, rss, Tally } from './helpers/fuzz.js';
import { collectGarbage } from './helpers/gc.js';

const kFileRuns = 6000;
const kShmRuns = 2000;

const descrs = ['<f8', '<f4', '<i4', '|u1', '|b1', '<i8', '<u8', '>f8', '>i2', '=f4', 'f8', '|f8', '<f16', '<c16', '|O', '<U10', '|S3', 'V8', '<M8[ns]', '', "'", '\\x00', '<f8\n'];
const bigDims = [0, 1, 2, 3, 255, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 32 + 1, 2 ** 40, 2 ** 53 - 1, 2 ** 53];

/** Mostly the valid value, sometimes a hostile one, so most cases get deep into the parser. */
function mostly<T>(valid: fc.Arbitrary<T>, hostile: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: valid, weight: 10 }, { arbitrary: hostile, weight: 1 });
}

const validDims = fc.array(fc.nat({ max: 8 }), { maxLength: 3 });
const hostileDims = fc.array(fc.oneof(fc.constantFrom(...bigDims), fc.nat({ max: 64 })), { maxLength: 70 });

/** One mutated .npy file, described by what was done to it. */
const mutation = fc.record({
  major: mostly(fc.constantFrom(1, 2, 3), fc.integer({ min: 0, max: 255 })),
  minor: mostly(fc.constant(0), fc.integer({ min: 0, max: 255 })),
  headerLen: mostly<number | 'exact'>(fc.constant('exact' as const), fc.oneof(fc.constantFrom(0, 1, 9, 0xffff, 0x10000, 2 ** 31, 2 ** 32 - 1), fc.nat({ max: 2 ** 32 - 1 }))),
  descr: mostly(fc.constantFrom('<f8', '<f4', '<i4', '|u1', '|b1', '<i8', '>f8'), fc.oneof(fc.constantFrom(...descrs), fc.string({ maxLength: 12 }))),
  shape: mostly(
    validDims.map((d) => (d.length === 1 ? `(${d[0]},)` : `(${d.join(', ')})`)),
    fc.oneof(
      hostileDims.map((d) => (d.length === 1 ? `(${d[0]},)` : `(${d.join(', ')})`)),
      fc.constantFrom('(3)', '(-1,)', '(1.5,)', '()', '(2**64,)', '(99999999999999999999999,)', '[3]', '(3,,)', '(,)', '(0x10,)', '(3L,)', 'None'),
    ),
  ),
  fortran: mostly(fc.constantFrom('False', 'True'), fc.constantFrom('0', 'false', "'no'", '')),
  extraKey: mostly(fc.constant(false), fc.constant(true)),
  dropKey: mostly(fc.constant(undefined), fc.constantFrom('descr' as const, 'shape' as const, 'fortran_order' as const)),
  dataBytes: mostly(fc.constant(4096), fc.nat({ max: 4096 })),
  truncateAt: mostly(fc.constant(undefined), fc.nat({ max: 5000 })),
  flips: mostly(fc.constant([] as [number, number][]), fc.array(fc.tuple(fc.nat({ max: 256 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })),
  magicBroken: mostly(fc.constant(false), fc.constant(true)),
  mode: fc.constantFrom('r+' as const, 'r' as const, 'c' as const),
  convert: fc.constantFrom('refuse' as const, 'copy' as const),
});

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function build(m: Mutation): Uint8Array {
  const keys: string[] = [];
  if (m.dropKey !== 'descr') keys.push(`'descr': '${m.descr}'`);
  if (m.dropKey !== 'fortran_order') keys.push(`'fortran_order': ${m.fortran}`);
  if (m.dropKey !== 'shape') keys.push(`'shape': ${m.shape}`);
  if (m.extraKey) keys.push(`'owner': 1`);
  let text = `{${keys.join(', ')}, }`;
  const prelude = m.major === 1 ? 10 : 12;
  const total = Math.ceil((prelude + text.length + 1) / 64) * 64;
  text = text.padEnd(total - prelude - 1, ' ') + '\n';
  const header = new TextEncoder().encode(text);
  const bytes = new Uint8Array(prelude + header.length + m.dataBytes);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, m.major & 0xff, m.minor & 0xff]);
  if (m.magicBroken) bytes[1] = 0x4f;
  const len = m.headerLen === 'exact' ? header.length : m.headerLen;
  const view = new DataView(bytes.buffer);
  if (m.major === 1) view.setUint16(8, len & 0xffff, true);
  else view.setUint32(8, len >>> 0, true);
  bytes.set(header, prelude);
  for (const [at, value] of m.flips) if (at < bytes.length) bytes[at] = value;
  return m.truncateAt === undefined ? bytes : bytes.subarray(0, Math.min(m.truncateAt, bytes.length));
}

test(`${kFileRuns} mutated .npy files and ${kShmRuns} mutated shm segments end in typed errors, with bounded memory`, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-fuzz-npy-'));
  const shm = new ShmSnapshot();
  const files = new Tally();
  const segments = new Tally();
  await collectGarbage();
  const rssBefore = rss();
  let i = 0;
  try {
    fc.assert(
      fc.property(mutation, (m) => {
        const path = join(dir, `case-${i++}.npy`);
        writeFileSync(path, build(m));
        try {
          // Half by open(path), half by attach() of a file handle that expects float64 (3,).
          const o = classify(() => {
            const a = i % 2 === 0 ? open(path, { mode: m.mode, convert: m.convert }) : attach({ ndshare: 1, backing: 'file', dtype: 'float64', shape: [3], path }, { mode: m.mode });
            a.close();
          });
          files.add(o, m);
          return o.state !== 'untyped';
        } finally {
          unlinkSync(path);
        }
      }),
      { numRuns: kFileRuns, seed: Number(process.env['NDSHARE_FUZZ_SEED'] ?? 6) },
    );
    fc.assert(
      fc.property(mutation, fc.constantFrom('float64', 'uint8', 'int32'), (m, dtype) => {
        const name = `/ndshare-${process.pid}-${randomBytes(16).toString('hex')}`;
        const path = `/dev/shm${name}`;
        writeFileSync(path, build(m), { mode: 0o600, flag: 'wx' });
        chmodSync(path, 0o600);
        try {
          const o = classify(() => attach({ ndshare: 1, backing: 'shm', dtype, shape: [3], name }, { mode: m.mode }).close());
          segments.add(o, m);
          return o.state !== 'untyped';
        } finally {
          unlinkSync(path);
        }
      }),
      { numRuns: kShmRuns, seed: Number(process.env['NDSHARE_FUZZ_SEED'] ?? 6) },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await collectGarbage();
  const growth = rss() - rssBefore;
  t.diagnostic(`files (${files.total}): ${files.summary()}`);
  t.diagnostic(`shm segments (${segments.total}): ${segments.summary()}`);
  t.diagnostic(`RSS growth after ${files.total + segments.total} cases: ${(growth / 2 ** 20).toFixed(1)} MiB`);
  assert.deepEqual([...files.untyped, ...segments.untyped], []);
  assert.ok(files.total >= kFileRuns && segments.total >= kShmRuns);
  // The cases reached every layer: some mapped fine, others failed in the header, dtype and size checks.
  for (const code of ['ok', 'ERR_NDSHARE_BAD_HEADER', 'ERR_NDSHARE_TRUNCATED', 'ERR_NDSHARE_INVALID_DTYPE']) assert.ok((files.counts.get(code) ?? 0) > 0, `some file cases ended in ${code}`);
  // Negative control of the classifier: a plain Error is not a typed outcome.
  assert.equal(classify(() => {
    throw new Error('plain');
  }).state, 'untyped');
  assert.ok(growth < 64 * 2 ** 20, `RSS grew by ${growth} bytes`);
  assert.deepEqual(shm.addedBy(), []);
});
