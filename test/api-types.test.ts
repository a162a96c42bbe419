/**
 * The published types, as a strict TypeScript user meets them: test/types/user-api.ts (kept out of
 * the build) is type-checked with the repository's `tsc --noEmit --strict` in a scratch app whose
 * node_modules/ndshare is this package, under every moduleResolution an app may use. It must
 * compile (summing `data` after `attach(h, { dtype })`, `is()`, a typed handle, `receive<D>()`),
 * and each `@ts-expect-error` in it (dtype typos, a bigint in a float64 array) must still catch its
 * error: tsc reports an unused one as TS2578, which fails the run. Needs `npm run build` first.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runSync } from './helpers/process.js';

const kRoot = fileURLToPath(new URL('../../', import.meta.url));
const kTsc = join(kRoot, 'node_modules', 'typescript', 'bin', 'tsc');
/** A deadline for one tsc run, generous: a loaded machine takes 30 s for the skipLibCheck: false one. */
const kTscMs = 240_000;

/**
 * The module settings an app pairs with each moduleResolution (nodenext resolves as node16 does).
 * One run also checks the declarations themselves (skipLibCheck off, as a careful app has it);
 * the others skip that, since it costs most of a run.
 */
const kResolutions = {
  node10: { module: 'es2022', moduleResolution: 'node10', skipLibCheck: true },
  node16: { module: 'node16', moduleResolution: 'node16', skipLibCheck: false },
  bundler: { module: 'esnext', moduleResolution: 'bundler', skipLibCheck: true },
} as const;

/** A scratch app: package.json, tsconfig.json, the user's file, and node_modules/{ndshare,@types}. */
function scratchApp(file: string, compilerOptions: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-types-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(kRoot, join(dir, 'node_modules', 'ndshare'), 'dir');
  symlinkSync(join(kRoot, 'node_modules', '@types'), join(dir, 'node_modules', '@types'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  const options = { strict: true, noEmit: true, target: 'es2022', lib: ['es2022'], types: ['node'], ...compilerOptions };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: options, files: ['user.ts'] }));
  copyFileSync(file, join(dir, 'user.ts'));
  return dir;
}

function tsc(dir: string, what: string): { status: number | null; output: string } {
  const r = runSync(what, process.execPath, [kTsc, '-p', join(dir, 'tsconfig.json'), '--listFiles', '--pretty', 'false'], { cwd: dir, timeout: kTscMs });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

test('the built declarations exist (npm run build)', () => {
  for (const f of ['dist/src/index.d.ts', 'dist/src/share/receive.d.ts']) assert.ok(existsSync(join(kRoot, f)), `Expected ${f}; run npm run build first`);
});

for (const [name, settings] of Object.entries(kResolutions)) {
  test(`a strict user's file compiles against 'ndshare' and 'ndshare/receive' (moduleResolution ${name})`, () => {
    const dir = scratchApp(join(kRoot, 'test', 'types', 'user-api.ts'), settings);
    let r;
    try {
      r = tsc(dir, `tsc (${name})`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(r.status, 0, `Expected test/types/user-api.ts to type-check under moduleResolution ${name}; tsc said:\n${r.output.split('\n').filter((l) => /error TS\d+/.test(l)).join('\n')}`);
    // Both entry points resolved to the built declarations, not to sources or to nothing.
    for (const f of ['dist/src/index.d.ts', 'dist/src/share/receive.d.ts']) {
      assert.ok(r.output.split('\n').includes(join(kRoot, f)), `Expected tsc (${name}) to read ${f}`);
    }
  });
}

test('the check fails on an unused @ts-expect-error and on a line that does not compile', () => {
  const src = mkdtempSync(join(tmpdir(), 'ndshare-types-canary-'));
  let dir: string | undefined;
  try {
    const file = join(src, 'canary.ts');
    writeFileSync(
      file,
      [
        "import { create } from 'ndshare';",
        '// @ts-expect-error: this line compiles, so the directive is unused',
        "export const fine = create({ dtype: 'float64', shape: 1 });",
        "export const typo = create({ dtype: 'flaot64', shape: 1 });",
        '',
      ].join('\n'),
    );
    dir = scratchApp(file, { ...kResolutions.node16, skipLibCheck: true });
    const r = tsc(dir, 'tsc (canary)');
    assert.notEqual(r.status, 0, 'Expected tsc to fail on the canary file');
    assert.match(r.output, /user\.ts\(2,1\): error TS2578: Unused '@ts-expect-error' directive/);
    assert.match(r.output, /user\.ts\(4,\d+\): error TS2820: Type '"flaot64"' is not assignable to type 'DTypeLike'\. Did you mean '"float64"'\?/);
  } finally {
    rmSync(src, { recursive: true, force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
});
