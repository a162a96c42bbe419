/**
 * docs/parallel.md quotes its recipes verbatim: every file of examples/parallel/ appears once, in
 * the fenced block after its `<!-- file: examples/parallel/<name> -->` marker, character for
 * character. The files are what the build compiles and the parallel-* tests run, so the doc cannot
 * drift from code that works.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const kRoot = fileURLToPath(new URL('../../', import.meta.url));
const kDir = 'examples/parallel';

test('docs/parallel.md quotes every file of examples/parallel verbatim', () => {
  const doc = readFileSync(`${kRoot}docs/parallel.md`, 'utf8');
  const quoted = new Map<string, string[]>();
  for (const m of doc.matchAll(/<!-- file: (\S+) -->\n```ts\n([\s\S]*?)```\n/g)) {
    const [, path = '', body = ''] = m;
    quoted.set(path, [...(quoted.get(path) ?? []), body]);
  }
  const files = readdirSync(`${kRoot}${kDir}`).filter((f) => f.endsWith('.ts')).map((f) => `${kDir}/${f}`).sort();
  assert.ok(files.length >= 5, `Expected the recipes in ${kDir} but found ${files.join(', ')}`);
  assert.deepEqual([...quoted.keys()].sort(), files, 'each recipe file is quoted, and each quote names a recipe file');
  for (const file of files) {
    const blocks = quoted.get(file) ?? [];
    assert.equal(blocks.length, 1, `Expected ${file} quoted once in docs/parallel.md`);
    assert.equal(blocks[0], readFileSync(`${kRoot}${file}`, 'utf8'), `Expected the block after <!-- file: ${file} --> in docs/parallel.md to equal the file: copy the file into it`);
  }
});
