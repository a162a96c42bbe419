/**
 * Error codes are one closed list: every `ERR_NDSHARE_*` code the sources (TypeScript and the
 * addon) can raise is in ERROR_CODES, every listed code is raised somewhere, and a misspelt code
 * does not compile (the errno side of the union cannot absorb an `ERR...` string).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ERROR_CODES, NdshareError, type NdshareErrorCode } from '../src/index.js';
import { isErrnoCode } from '../src/errors.js';

const kRoot = fileURLToPath(new URL('../../', import.meta.url));

function sources(dir: string, exts: readonly string[]): string[] {
  return readdirSync(join(kRoot, dir), { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p, exts);
    return exts.some((x) => e.name.endsWith(x)) ? [p] : [];
  });
}

/** Every ERR_NDSHARE_* token in a file, with where it stands. */
function codesIn(files: readonly string[]): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const f of files) {
    for (const m of readFileSync(join(kRoot, f), 'utf8').matchAll(/ERR_NDSHARE_[A-Z_]+/g)) {
      const where = found.get(m[0]) ?? [];
      where.push(f);
      found.set(m[0], where);
    }
  }
  return found;
}

test('every ERR_NDSHARE_* code in src/ and native/ is in ERROR_CODES, and every listed code is raised', () => {
  const files = [...sources('src', ['.ts']), ...sources('native', ['.cc', '.h'])];
  assert.ok(files.length > 30, `expected the source tree under ${kRoot}, found ${files.length} files`);
  const found = codesIn(files);
  const listed = new Set<string>(ERROR_CODES);
  const unknown = [...found.keys()].filter((c) => !listed.has(c));
  assert.deepEqual(unknown, [], `codes raised but not listed: ${unknown.map((c) => `${c} (${found.get(c)?.join(', ')})`).join('; ')}`);
  const unused = [...listed].filter((c) => !(found.get(c) ?? []).some((f) => f !== join('src', 'errors.ts')));
  assert.deepEqual(unused, [], 'codes listed but raised nowhere');
});

test('the errno side of the union: errno names pass, ERR... strings do not', () => {
  for (const c of ['ENOENT', 'ENOSPC', 'EROFS', 'ERANGE', 'E2BIG']) assert.equal(isErrnoCode(c), true, c);
  for (const c of ['ERR_NDSHARE_INVALID_ARGUMNET', 'ERROR', 'enoent', 'E', 'X1']) assert.equal(isErrnoCode(c), false, c);
  // @ts-expect-error a misspelt ndshare code is a compile error (this line would compile if it were not)
  const typo: NdshareErrorCode = 'ERR_NDSHARE_INVALID_ARGUMNET';
  assert.equal(new NdshareError('EROFS', 'read-only').code, 'EROFS');
  assert.equal(typeof typo, 'string');
});
