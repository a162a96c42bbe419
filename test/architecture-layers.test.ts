/**
 * The floor plan holds: folders are layers (errors -> core -> sync -> methods -> share -> zarr ->
 * bench -> cli, index on top), no module imports a higher layer, and no import circle exists, type-only
 * imports included (docs/architecture.md).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const kSrc = fileURLToPath(new URL('../../src/', import.meta.url));
const kLayers = ['errors.ts', 'core', 'sync', 'methods', 'share', 'zarr', 'bench', 'cli', 'index.ts'] as const;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? files(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

const rel = (p: string): string => relative(kSrc, p).split('\\').join('/');

function layerOf(file: string): number {
  const top = rel(file).split('/')[0] ?? '';
  const i = kLayers.indexOf(top as (typeof kLayers)[number]);
  assert.ok(i >= 0, `${rel(file)} is outside every layer (${kLayers.join(', ')})`);
  return i;
}

/** Relative imports of a file (static, dynamic and type-only), resolved to .ts paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\(\s*)'(\.[^']+)'/g)) {
    out.push(join(dirname(file), (m[1] ?? '').replace(/\.js$/, '.ts')));
  }
  return out;
}

const graph = new Map(files(kSrc).map((f) => [f, importsOf(f)] as const));

test('layers: no module imports a module of a higher layer', () => {
  assert.ok(graph.size > 50, `expected the sources under ${kSrc}`);
  const up: string[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) if (layerOf(to) > layerOf(from)) up.push(`${rel(from)} -> ${rel(to)}`);
  }
  assert.deepEqual(up, []);
});

test('layers: no import circle (type-only imports count)', () => {
  const state = new Map<string, 'open' | 'done'>();
  const circles: string[] = [];
  const visit = (f: string, path: string[]): void => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') {
      circles.push([...path.slice(path.indexOf(f)), f].map(rel).join(' -> '));
      return;
    }
    state.set(f, 'open');
    for (const t of graph.get(f) ?? []) visit(t, [...path, f]);
    state.set(f, 'done');
  };
  for (const f of graph.keys()) visit(f, []);
  assert.deepEqual(circles, []);
});
