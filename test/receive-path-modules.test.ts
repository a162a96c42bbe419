/**
 * What a receiver loads when it imports 'ndshare/receive' (the bundle in dist/lib), read from the
 * bundle itself: the files its static imports reach, the Node modules they import and, from their
 * source maps, the ndshare sources in them. The methods that map memory (inherit, raw, shm, mmap,
 * sab) are part of it, so receive() maps without loading another file; the copying methods and
 * the parent's side of inheritance are not, so a mapping receiver never loads
 * node:child_process, node:net or node:v8 (methods/table.ts says why).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const kSrc = fileURLToPath(new URL('../../src/', import.meta.url));

/** Static `import ... from "x"` and `import "x"` of one bundled file (esbuild writes them unminified, one per statement). */
function staticImports(code: string): string[] {
  const out: string[] = [];
  for (const m of code.matchAll(/^import\s+(?:[^'";]*?\s+from\s+)?"([^"]+)";?$/gms)) out.push(m[1] as string);
  return out;
}

interface Reach {
  readonly files: readonly string[];
  readonly builtins: ReadonlySet<string>;
  /** ndshare sources in those files, relative to src/ ('methods/raw.ts'). */
  readonly sources: ReadonlySet<string>;
}

function reach(entry: string): Reach {
  const files: string[] = [];
  const builtins = new Set<string>();
  const sources = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop() as string;
    if (files.includes(file)) continue;
    files.push(file);
    for (const spec of staticImports(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('node:')) builtins.add(spec.slice('node:'.length));
      else if (spec.startsWith('.')) todo.push(resolve(dirname(file), spec));
      else assert.fail(`${file} imports the package ${spec}: the receive path should need no dependency`);
    }
    assert.ok(existsSync(`${file}.map`), `expected a source map next to ${file}`);
    const map = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] };
    for (const s of map.sources) sources.add(resolve(dirname(file), s).slice(kSrc.length));
  }
  return { files, builtins, sources };
}

const path = reach(fileURLToPath(import.meta.resolve('ndshare/receive')));

test("the receive path's files are the bundle's, and there are few of them", () => {
  const lib = fileURLToPath(new URL('../../dist/lib/', import.meta.url));
  for (const f of path.files) assert.ok(f.startsWith(lib), `${f} is outside dist/lib`);
  // Node's ES module loader pays per file; the bundle keeps the receive path in a handful.
  assert.ok(path.files.length <= 10, `the receive path loads ${path.files.length} files: ${path.files.join(', ')}`);
});

test('the methods that map memory are on the receive path; the copying methods are not', () => {
  for (const m of ['inherit', 'raw', 'shm', 'mmap', 'sab']) assert.ok(path.sources.has(join('methods', `${m}.ts`)), `methods/${m}.ts is not on the receive path`);
  for (const m of ['argument', 'pipe', 'queue', 'queue-json', 'locked', 'transfer', 'manager/method', 'manager/client']) {
    assert.ok(!path.sources.has(join('methods', `${m}.ts`)), `methods/${m}.ts is on the receive path`);
  }
  assert.ok(path.sources.has(join('core', 'inherited-arrays.ts')));
  assert.ok(!path.sources.has(join('core', 'spawn-with-arrays.ts')), "the parent's side of inheritance is on the receive path");
});

test('a receiver that maps loads no process, socket or serializer modules', () => {
  for (const b of ['child_process', 'net', 'v8', 'dgram', 'http', 'https', 'zlib', 'crypto']) {
    assert.ok(!path.builtins.has(b), `the receive path imports node:${b} (it imports ${[...path.builtins].join(', ')})`);
  }
  // A sanity check of the reading itself: the receive path does use the file system.
  assert.ok(path.builtins.has('fs'));
});
