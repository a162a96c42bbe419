#!/usr/bin/env node
// npm's install hook. Picks the native addon without ever failing the install:
//   1. a prebuilt binary in prebuilds/<platform>-<arch>/ that loads in this Node: done, no compiler;
//   2. otherwise a build from source (node-gyp, needs python3, make and a C++ compiler);
//   3. otherwise a warning: the install succeeds, the 'sab' and 'heap' backings, `ndshare report`
//      and the thread benchmark work, and shm, memfd and file throw ERR_NDSHARE_NATIVE_MISSING
//      with the fix. NDSHARE_REQUIRE_NATIVE=1 (CI, developers) turns this case into a failure.
// Plain JavaScript on purpose: it runs before the TypeScript is built, in every supported Node.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const dir = join(root, 'prebuilds', `${process.platform}-${process.arch}`);

/** Loads the prebuilt addon (and on Node 20 its shim) the way src/core/native.ts will; returns why not, or null. */
function prebuiltProblem() {
  const main = join(dir, 'ndshare.napi.node');
  if (!existsSync(main)) return `no prebuilt binary for ${process.platform}-${process.arch}`;
  try {
    const binding = require(main);
    if (binding.sabSupport() === 'none') {
      const shim = join(dir, `ndshare_v8sab.abi${process.versions.modules}.node`);
      if (!existsSync(shim)) return `no prebuilt shim for Node ${process.version} (ABI ${process.versions.modules})`;
      binding.loadSabShim(shim);
    }
    return null;
  } catch (err) {
    return `the prebuilt binary does not load in Node ${process.version}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

function buildFromSource() {
  // npm puts its own node-gyp in the environment of lifecycle scripts.
  const gyp = process.env.npm_config_node_gyp;
  // -j max: the addon's sources compile in parallel, one job per core (about 40% faster on 2 cores).
  const [cmd, args] = gyp ? [process.execPath, [gyp, 'rebuild', '-j', 'max']] : ['node-gyp', ['rebuild', '-j', 'max']];
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.error) return `could not run node-gyp: ${r.error.message}`;
  return r.status === 0 ? null : `node-gyp rebuild exited with ${r.status ?? r.signal}`;
}

const prebuilt = prebuiltProblem();
if (prebuilt === null) {
  console.log(`ndshare: using the prebuilt native addon for ${process.platform}-${process.arch} (Node ${process.version})`);
  process.exit(0);
}
const built = buildFromSource();
if (built === null) process.exit(0);
console.warn(
  [
    'ndshare: the native addon is not available, the install continues without it.',
    `  prebuilt: ${prebuilt}`,
    `  from source: ${built}`,
    "  Works without it: create({ backing: 'sab' | 'heap' }), worker-thread sharing, `ndshare report`, `ndshare bench --threads`.",
    "  Needs it: the 'shm', 'memfd' and 'file' backings (they throw ERR_NDSHARE_NATIVE_MISSING), process sharing, Mutex/Barrier.",
    '  Fix: install python3, make and g++ (Debian: apt-get install python3 make g++), then `npm rebuild ndshare`.',
  ].join('\n'),
);
process.exit(process.env.NDSHARE_REQUIRE_NATIVE === '1' ? 1 : 0);
