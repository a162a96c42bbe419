#!/usr/bin/env node
// Bundles the compiled library (dist/src) into dist/lib, which the package's entries load:
// 'ndshare', 'ndshare/receive', 'ndshare/zarr', and the manager's server script. Why: a process
// that receives an array starts by loading ndshare, and Node's ES module loader pays per file
// (open, read, resolve, compile, link): on the machine of docs/benchmark.md the 34 files of the
// `raw` receive path took about 55 ms to load on Node 20, its 11 bundled files about 30 ms. One
// build with code splitting keeps a single copy of each module across the entries (shared chunks
// in dist/lib/chunks), so 'ndshare/receive' and 'ndshare' share NdArray, NdshareError and every
// registry: instanceof holds between them. The methods that map memory are part of the receive path
// (methods/table.ts imports them); each copying method stays its own chunk, loaded when a handle names it.
// Dependencies (ajv, numcodecs) are not inlined: npm installs and dedupes them as usual.
// dist/src stays as it is, for the CLI, the benchmark's parent side and the tests.
//
// Node's own modules are then taken with process.getBuiltinModule() (Node >= 20.16, 22.3) instead
// of `import`: an ES module import of a built-in builds its ESM facade, which reads every export
// and so loads what the lazy ones stand for (node:fs's ReadStream loads the streams, node:module's
// SourceMap, node:buffer's File). On the machine of docs/benchmark.md a `raw` receiver's share of
// the loading went from 34.0/35.9 ms (min/median) to 28.2/30.1 ms with this and core/thread.ts.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = `${root}dist/src`;
const out = `${root}dist/lib`;
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: ['index.js', 'share/receive.js', 'zarr/index.js', 'methods/manager/server.js'].map((e) => `${src}/${e}`),
  outbase: src,
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // Class and function names are part of messages and of err.name: renaming on a clash would change them.
  keepNames: true,
  // Chained to tsc's maps: a stack trace under --enable-source-maps names the .ts file and line.
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});

// `import { a, b as c } from "node:x";` becomes `const { a, b: c } = process.getBuiltinModule("node:x");`,
// over as many lines as before, so the source maps still line up. Only named imports are written
// by the code (esbuild keeps them as written); any other form of import of a built-in stops the build.
const kNamedBuiltin = /^import \{([^}]*)\} from "(node:[a-z0-9_/]+)";$/gm;
for (const entry of readdirSync(out, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
  const file = `${entry.parentPath}/${entry.name}`;
  const code = readFileSync(file, 'utf8');
  const done = code.replace(kNamedBuiltin, (_, names, id) => `const {${names.replace(/ as /g, ': ')}} = process.getBuiltinModule(${JSON.stringify(id)});`);
  const left = /^import\b[^;]*?from "node:[^"]*";$/m.exec(done);
  if (left) throw new Error(`${file}: an import of a built-in this script does not rewrite: ${left[0]}`);
  if (done !== code) writeFileSync(file, done);
}
