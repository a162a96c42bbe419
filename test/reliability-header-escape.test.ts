/**
 * A hostile .npy header cannot smuggle terminal escapes into an error message: the text of a
 * descr, a key or an unexpected character is escaped JSON-style (C0 and C1 controls, DEL, line and
 * paragraph separators, bidi overrides: \u001b, \u0007, \r, \u009b, ...) and bounded in length
 * wherever it enters a message, and the message still says what was received.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { attach, NdshareError, open } from '../src/index.js';

/** Characters a terminal may act on: C0, DEL, C1, line/paragraph separators, bidi controls. */
const kUnsafe = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
/** The hostile payload: a colour change, a bell, a carriage return, an 8-bit CSI, a DEL. */
const kEvil = '\u001b[31mRED\u0007\r\u009b2J\u007f';

/** A version 1.0 (latin-1) or 3.0 (utf-8) .npy file with the given header dict text. */
function npy(dict: string, major: 1 | 3 = 1): Buffer {
  const text = major === 1 ? Buffer.from(dict, 'latin1') : Buffer.from(dict, 'utf8');
  const prelude = major === 1 ? 10 : 12;
  const total = Math.ceil((prelude + text.length + 1) / 64) * 64;
  const out = Buffer.alloc(total + 64, 0x20);
  out.write('\x93NUMPY', 0, 'latin1');
  out[6] = major;
  out[7] = 0;
  if (major === 1) out.writeUInt16LE(total - prelude, 8);
  else out.writeUInt32LE(total - prelude, 8);
  text.copy(out, prelude);
  out[total - 1] = 0x0a;
  return out;
}

function messageOf(fn: () => unknown): NdshareError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof NdshareError, `expected an NdshareError but got ${String(err)}`);
    return err;
  }
  return assert.fail('expected the hostile header to be refused');
}

test('header text in error messages is escaped and bounded', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-escape-'));
  try {
    const cases: { name: string; bytes: Buffer; code: string; says: RegExp }[] = [
      {
        name: 'hostile descr',
        bytes: npy(`{'descr': '<f8${kEvil}', 'fortran_order': False, 'shape': (2,), }`),
        code: 'ERR_NDSHARE_INVALID_DTYPE',
        says: /"<f8\\u001b\[31mRED\\u0007\\r\\u009b2J\\u007f"/,
      },
      {
        name: 'hostile descr, utf-8 header with a bidi override',
        bytes: npy(`{'descr': '<f8\u202e${kEvil}', 'fortran_order': False, 'shape': (2,), }`, 3),
        code: 'ERR_NDSHARE_INVALID_DTYPE',
        says: /"<f8\\u202e\\u001b\[31mRED\\u0007/,
      },
      {
        name: 'hostile extra key',
        bytes: npy(`{'descr': '<f8', 'fortran_order': False, 'shape': (2,), '${kEvil}': True, }`),
        code: 'ERR_NDSHARE_BAD_HEADER',
        says: /\\u001b\[31mRED\\u0007\\r\\u009b2J\\u007f/,
      },
      {
        name: 'hostile repeated key',
        bytes: npy(`{'${kEvil}': True, '${kEvil}': True}`),
        code: 'ERR_NDSHARE_BAD_HEADER',
        says: /repeats the key '\\u001b\[31mRED\\u0007\\r\\u009b2J\\u007f'/,
      },
      {
        name: 'hostile character where a colon belongs',
        bytes: npy(`{'descr'\u009b: '<f8'}`),
        code: 'ERR_NDSHARE_BAD_HEADER',
        says: /"\\u009b" where ":" belongs/,
      },
      {
        name: 'very long hostile key',
        bytes: npy(`{'descr': '<f8', 'fortran_order': False, 'shape': (2,), '${kEvil.repeat(2000)}': True, }`),
        code: 'ERR_NDSHARE_BAD_HEADER',
        says: /\\u001b\[31mRED.*\.\.\./,
      },
    ];
    for (const [i, c] of cases.entries()) {
      const path = join(dir, `case${i}.npy`);
      writeFileSync(path, c.bytes);
      for (const [how, fn] of [
        ['open()', () => open(path)],
        ['attach() by file handle', () => attach({ ndshare: 1, backing: 'file', path, dtype: 'float64', shape: [2] })],
      ] as const) {
        const err = messageOf(fn);
        const where = `${c.name} through ${how}: ${JSON.stringify(err.message)}`;
        assert.equal(err.code, c.code, where);
        assert.doesNotMatch(err.message, kUnsafe, `no control character may reach the message (${where})`);
        assert.match(err.message, c.says, `the message still says what was received (${where})`);
        assert.ok(err.message.length < 600, `the message is bounded: ${err.message.length} characters (${where})`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
