#!/usr/bin/env node
// Bundles the compiled library (dist/src) into dist/lib, which the package's entries load:
// 'ndshare', 'ndshare/receive', 'ndshare/zarr', and the manager's server script. Why: a process
// that receives an array starts by loading ndshare, and Node's ES module loader pays per file
// (resolve, read, compile, link, each file in turn). On the machine of docs/benchmark.md the 34
// files of the `raw` receive path took about 55 ms to load on Node 20, its 11 bundled files about
// 30 ms, and 7 files about 22 ms; as one file the same code loads in about 14 ms.
//
// So the build has two steps, and every module still exists once (instanceof holds between
// 'ndshare' and 'ndshare/receive', and every registry is shared):
//   1. The receive path: share/receive.js and every module it imports, as ONE file,
//      dist/lib/share/receive.js. Besides `receive` it exports each module's exports under an
//      alias (`ndshare$core$ndarray$NdArray`): internal, for step 2 only. The modules the receive
//      path imports dynamically (the copying methods) stay out of it.
//   2. Everything else, with code splitting (shared chunks in dist/lib/chunks): 'ndshare',
//      'ndshare/zarr', the manager's server, and each module the receive path imports dynamically
//      (at the path step 1 points to, dist/lib/<same path as in src>). Any import of a module of
//      the receive path becomes an import of its aliases from dist/lib/share/receive.js.
// Dependencies (ajv, numcodecs) are not inlined: npm installs and dedupes them as usual.
// dist/src stays as it is, for the CLI, the benchmark's parent side and the tests.
//
// Node's own modules are then taken with process.getBuiltinModule() (Node >= 20.16, 22.3) instead
// of `import`: an ES module import of a built-in builds its ESM facade, which reads every export
// and so loads what the lazy ones stand for (node:fs's ReadStream loads the streams, node:module's
// SourceMap, node:buffer's File). On the machine of docs/benchmark.md a `raw` receiver's share of
// the loading went from 34.0/35.9 ms (min/median) to 28.2/30.1 ms with this and core/thread.ts.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = resolve(root, 'dist/src');
const out = resolve(root, 'dist/lib');
/** The receive path's entry, relative to dist/src and to dist/lib. */
const kReceive = 'share/receive.js';
/** What step 2's output imports the receive path as, until the paths are written in at the end. */
const kCoreId = 'ndshare:receive-path';

const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // No keepNames: its __name() call on every function and class cost a receiver about 3 ms and 67 KB
  // of young-generation allocations as it loaded (docs/benchmark.md). Names still matter (messages,
  // err.name, inspect), so build() below stops the build where esbuild would rename one.
  keepNames: false,
  // Chained to tsc's maps: a stack trace under --enable-source-maps names the .ts file and line.
  sourcemap: 'linked',
  logLevel: 'warning',
};

/** `to` as an import specifier in a module of directory `from` (both absolute). */
function specifier(from, to) {
  const rel = relative(from, to);
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/** An identifier for export `name` of module `file` (absolute, in dist/src) in the receive path's file. */
const alias = (file, name) => `ndshare$${relative(src, file).replace(/\.js$/, '').replace(/[^A-Za-z0-9]/g, '$')}$${name}`;

/**
 * Step 1's plugin: a dynamic import leaves the receive path (external), pointing from
 * dist/lib/share/ to where step 2 writes that module; `dynamic` collects them.
 */
function dynamicOut(dynamic) {
  return {
    name: 'dynamic-out',
    setup(b) {
      b.onResolve({ filter: /^\./ }, (args) => {
        if (args.kind !== 'dynamic-import') return undefined;
        const file = resolve(args.resolveDir, args.path);
        dynamic.add(file);
        return { path: specifier(dirname(resolve(out, kReceive)), resolve(out, relative(src, file))), external: true };
      });
    },
  };
}

/**
 * esbuild's build, after a check that it renames no function or class: where two modules declare
 * the same top-level name, esbuild renames one (`check` becomes `check2`), and without keepNames
 * its `.name` would change. The check builds once with keepNames, in memory, where a renamed
 * function shows as `__name(check2, "check")` and a renamed class as `var Foo2 = class ...`
 * with `__name(this, "Foo")` in its static block; it stops the build naming each one.
 */
async function build(options) {
  const probe = await esbuild({ ...options, keepNames: true, write: false, metafile: false, sourcemap: false });
  const renamed = new Set();
  for (const f of probe.outputFiles) {
    for (const m of f.text.matchAll(/__name\(([A-Za-z_$][\w$]*), "([^"]*)"\)/g)) if (m[1] !== 'this' && m[1] !== m[2]) renamed.add(`${m[2]} (as ${m[1]})`);
    for (const m of f.text.matchAll(/^var ([A-Za-z_$][\w$]*) = class\b[^\n]*\n\s*static \{\n\s*__name\(this, "([^"]*)"\);/gm)) if (m[1] !== m[2]) renamed.add(`class ${m[2]} (as ${m[1]})`);
  }
  if (renamed.size > 0) throw new Error(`bundle: esbuild would rename ${[...renamed].join(', ')}: give the clashing declarations distinct names`);
  return esbuild(options);
}

rmSync(out, { recursive: true, force: true });

// Step 1a: which modules the receive path is made of, and what each exports.
const dynamic = new Set();
// In memory only, so esbuild itself: step 1b's build() checks the same modules for renames.
const probe = await esbuild({ ...common, entryPoints: [resolve(src, kReceive)], write: false, outdir: out, metafile: true, sourcemap: false, plugins: [dynamicOut(dynamic)] });
const members = Object.keys(probe.metafile.inputs).map((f) => resolve(root, f)).filter((f) => f.startsWith(`${src}/`));
const shapes = await esbuild({ ...common, bundle: false, entryPoints: members, outbase: src, outdir: out, write: false, metafile: true, sourcemap: false });
/** Exports of each module of the receive path (absolute path in dist/src to names): its keys are the receive path. */
const exportsOf = new Map();
for (const o of Object.values(shapes.metafile.outputs)) if (o.entryPoint) exportsOf.set(resolve(root, o.entryPoint), o.exports);
for (const m of members) if (!exportsOf.has(m)) throw new Error(`bundle: no exports found for ${m}`);

// Step 1b: the receive path as one file: share/receive.js as compiled, with every module's aliased
// exports added after its code (the lines past its source map's end map to nothing).
const aliasExports = members
  .filter((m) => (exportsOf.get(m) ?? []).length > 0)
  .map((m) => `export { ${(exportsOf.get(m) ?? []).map((n) => `${n} as ${alias(m, n)}`).join(', ')} } from ${JSON.stringify(specifier(dirname(resolve(src, kReceive)), m))};`);
await build({
  ...common,
  entryPoints: [resolve(src, kReceive)],
  outfile: resolve(out, kReceive),
  plugins: [
    dynamicOut(new Set()),
    {
      name: 'aliases',
      setup(b) {
        b.onLoad({ filter: /\.js$/ }, (args) =>
          args.path === resolve(src, kReceive) ? { contents: `${readFileSync(args.path, 'utf8')}\n${aliasExports.join('\n')}\n`, loader: 'js' } : undefined,
        );
      },
    },
  ],
});

// Step 2: everything else; an import of a module of the receive path stays an import, of
// `ndshare:receive-path/<its path>`, which the loop below turns into one of its aliases.
await build({
  ...common,
  entryPoints: ['index.js', 'zarr/index.js', 'methods/manager/server.js'].map((e) => resolve(src, e)).concat([...dynamic]),
  outbase: src,
  outdir: out,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [
    {
      name: 'receive-path',
      setup(b) {
        b.onResolve({ filter: /^\./ }, (args) => {
          if (args.kind === 'entry-point') return undefined;
          const file = resolve(args.resolveDir, args.path);
          return exportsOf.has(file) ? { path: `${kCoreId}/${relative(src, file)}`, external: true } : undefined;
        });
      },
    },
  ],
});

/**
 * `import { a, b as c } from "ndshare:receive-path/core/x.js";` (over one line or several) as an
 * import of those aliases from the receive path's file at `core` (a relative path), line for line.
 */
function importAliases(statement, core) {
  const m = /^import \{([^}]*)\} from "([^"]+)";$/.exec(statement);
  if (!m) throw new Error(`bundle: an import of the receive path this script does not rewrite: ${statement}`);
  const file = resolve(src, m[2].slice(kCoreId.length + 1));
  const names = exportsOf.get(file);
  if (!names) throw new Error(`bundle: ${m[2]} is not a module of the receive path`);
  const specifiers = m[1].replace(/([A-Za-z_$][\w$]*)(?:\s+as\s+([A-Za-z_$][\w$]*))?/g, (_, name, local) => {
    if (!names.includes(name)) throw new Error(`bundle: ${m[2]} has no export ${name}`);
    return `${alias(file, name)} as ${local ?? name}`;
  });
  return `import {${specifiers}} from ${JSON.stringify(core)};`;
}

// In every file:
// - an import of a module of the receive path becomes an import of its aliases (importAliases);
// - `import { a, b as c } from "node:x";` becomes `const { a, b: c } = process.getBuiltinModule("node:x");`,
//   over as many lines as before, so the source maps still line up. Only named imports are written
//   by the code (esbuild keeps them as written); any other form of import of a built-in stops the build;
// - a class that refers to itself is written `var Foo = class _Foo {...}` (the inner name keeps its
//   own binding), whose `.name` is "_Foo": the module gives it back its name once it is evaluated,
//   before any importer sees the class.
const kNamedBuiltin = /^import \{([^}]*)\} from "(node:[a-z0-9_/]+)";$/gm;
const kReceivePathImport = new RegExp(`^import \\{[^}]*\\} from "${kCoreId}/[^"]+";$`, 'gm');
const kInnerNamedClass = /^var ([A-Za-z_$][\w$]*) = class _\1\b/gm;
for (const entry of readdirSync(out, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
  const file = `${entry.parentPath}/${entry.name}`;
  const code = readFileSync(file, 'utf8');
  const core = specifier(entry.parentPath, resolve(out, kReceive));
  let done = code
    .replace(kReceivePathImport, (statement) => importAliases(statement, core))
    .replace(kNamedBuiltin, (_, names, id) => `const {${names.replace(/ as /g, ': ')}} = process.getBuiltinModule(${JSON.stringify(id)});`);
  const names = [...done.matchAll(kInnerNamedClass)].map((m) => `Object.defineProperty(${m[1]}, "name", { value: ${JSON.stringify(m[1])} });\n`);
  if (names.length > 0) {
    const map = done.lastIndexOf('\n//# sourceMappingURL=');
    if (map < 0) throw new Error(`${file}: no sourceMappingURL line to put the class names before`);
    done = `${done.slice(0, map + 1)}${names.join('')}${done.slice(map + 1)}`;
  }
  const left = /^import\b[^;]*?from "node:[^"]*";$/m.exec(done);
  if (left) throw new Error(`${file}: an import of a built-in this script does not rewrite: ${left[0]}`);
  if (done.includes(kCoreId)) throw new Error(`${file}: a reference to ${kCoreId} this script does not rewrite`);
  if (done !== code) writeFileSync(file, done);
}
