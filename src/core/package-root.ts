/**
 * Where ndshare's own files are, found from the running module's location. The package's code
 * runs from two trees: dist/lib, the bundle that its entries ('ndshare', 'ndshare/receive',
 * 'ndshare/zarr') load, where this module is inlined into a chunk (dist/lib/chunks/); and
 * dist/src, the compiled files one per source file, that the CLI, the benchmark and the tests
 * load. A path fixed relative to this file would be right in one tree only, so the root is the
 * nearest directory up from here whose package.json is named "ndshare".
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const kHere = dirname(fileURLToPath(import.meta.url));

function findRoot(): string {
  for (let dir = kHere; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'ndshare') return dir;
      } catch {
        // Not ours, or unreadable: look further up.
      }
    }
    if (dirname(dir) === dir) break;
  }
  // Not inside the package (copied elsewhere): the layout of dist/src/core, as before there was a bundle.
  return join(kHere, '..', '..', '..');
}

/** The package's root directory, with a trailing separator. */
export const packageRoot: string = findRoot() + sep;

/** The tree this code runs from, relative to the root: 'dist/lib' (the bundle) or 'dist/src'. */
export const codeTree: string = relative(packageRoot, kHere).split(sep).slice(0, 2).join('/');
