#!/usr/bin/env node
// Bundles the compiled library (dist/src) into dist/lib, which the package's entries load:
// 'ndshare', 'ndshare/receive', 'ndshare/zarr', and the manager's server script. Why: a process
// that receives an array starts by loading ndshare, and Node's ES module loader pays per file
// (open, read, resolve, compile, link): on the machine of docs/benchmark.md the 34 files of the
// `raw` receive path took about 55 ms to load on Node 20, its 11 bundled files about 30 ms. One
// build with code splitting keeps a single copy of each module across the entries (shared chunks
// in dist/lib/chunks), so 'ndshare/receive' and 'ndshare' share NdArray, NdshareError and every
// registry: instanceof holds between them. The methods stay separate chunks, loaded when a handle names one.
// Dependencies (ajv, numcodecs) are not inlined: npm installs and dedupes them as usual.
// dist/src stays as it is, for the CLI, the benchmark's parent side and the tests.
import { rmSync } from 'node:fs';
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
