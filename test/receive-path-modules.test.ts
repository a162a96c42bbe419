/**
 * What a receiver loads when it imports 'ndshare/receive' (the bundle in dist/lib), read from the
 * bundle itself: the files its static imports reach, the Node modules they load as they are
 * evaluated and, from their source maps, the ndshare sources in them. The methods that map memory
 * (inherit, raw, shm, mmap, sab) are part of it, so receive() maps without loading another file;
 * the copying methods and the parent's side of inheritance are not, so a mapping receiver never
 * loads node:child_process, node:net or node:v8 (methods/table.ts says why). Nor does it load
 * node:worker_threads on a process's main thread (core/thread.ts), nor node:module (the addon is
 * loaded with process.dlopen, core/native.ts) or node:os (taken where a prefault splits or a signal
 * ends the process), and it takes Node's modules with process.getBuiltinModule(), not through
 * their ESM facades (scripts/bundle.js).
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

/** Node modules a bundled file takes at its top level (not indented: not inside a function) with process.getBuiltinModule(). */
function topLevelBuiltins(code: string): string[] {
  return [...code.matchAll(/^const \{[^}]*\} = process\.getBuiltinModule\("node:([^"]+)"\);$/gm)].map((m) => m[1] as string);
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
    const code = readFileSync(file, 'utf8');
    for (const spec of staticImports(code)) {
      if (spec.startsWith('node:')) assert.fail(`${file} imports ${spec}: the bundle should take it with process.getBuiltinModule()`);
      else if (spec.startsWith('.')) todo.push(resolve(dirname(file), spec));
      else assert.fail(`${file} imports the package ${spec}: the receive path should need no dependency`);
    }
    for (const b of topLevelBuiltins(code)) builtins.add(b);
    assert.ok(existsSync(`${file}.map`), `expected a source map next to ${file}`);
    const map = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] };
    for (const s of map.sources) sources.add(resolve(dirname(file), s).slice(kSrc.length));
  }
  return { files, builtins, sources };
}

const path = reach(fileURLToPath(import.meta.resolve('ndshare/receive')));

test("the receive path is one file of the bundle", () => {
  const lib = fileURLToPath(new URL('../../dist/lib/', import.meta.url));
  for (const f of path.files) assert.ok(f.startsWith(lib), `${f} is outside dist/lib`);
  // Node's ES module loader pays per file (about 1.4 ms each on Node 20 here): the bundle makes the
  // receive path one file (scripts/bundle.js, step 1).
  assert.deepEqual(path.files, [join(lib, 'share', 'receive.js')], `the receive path loads ${path.files.length} files: ${path.files.join(', ')}`);
});

test('the methods that map memory are on the receive path; the copying methods are not', () => {
  for (const m of ['inherit', 'raw', 'shm', 'mmap', 'sab']) assert.ok(path.sources.has(join('methods', `${m}.ts`)), `methods/${m}.ts is not on the receive path`);
  for (const m of ['argument', 'pipe', 'queue', 'queue-json', 'locked', 'transfer', 'manager/method', 'manager/client']) {
    assert.ok(!path.sources.has(join('methods', `${m}.ts`)), `methods/${m}.ts is on the receive path`);
  }
  assert.ok(path.sources.has(join('core', 'inherited-arrays.ts')));
  assert.ok(!path.sources.has(join('core', 'spawn-with-arrays.ts')), "the parent's side of inheritance is on the receive path");
});

test('a receiver that maps loads no thread, process, socket, serializer, module-loader or os modules', () => {
  for (const b of ['worker_threads', 'child_process', 'net', 'v8', 'dgram', 'http', 'https', 'zlib', 'crypto', 'module', 'os']) {
    assert.ok(!path.builtins.has(b), `the receive path imports node:${b} (it imports ${[...path.builtins].join(', ')})`);
  }
  // A check of the reading itself: the receive path does take the file system module.
  assert.ok(path.builtins.has('fs'), `expected node:fs among ${[...path.builtins].join(', ')}`);
});
