#!/usr/bin/env node
// Runs the compiled test suite with node:test and then checks that the suite left /dev/shm as it
// found it: a leaked ndshare segment fails the run even if every test passed.
// Test files are dist/test/**/*.test.js; helpers and fixtures beside them are not tests.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return testFiles(p);
    return e.name.endsWith('.test.js') ? [p] : [];
  });
}

const ours = () => new Set(readdirSync('/dev/shm').filter((n) => n.startsWith('ndshare-')));
const before = ours();
const extra = process.argv.slice(2);
const files = extra.length ? extra : testFiles('dist/test').sort();
const run = spawnSync(process.execPath, ['--test', ...files], { stdio: 'inherit' });
const leaked = [...ours()].filter((n) => !before.has(n));
if (leaked.length > 0) {
  console.error(`\n/dev/shm leak check: FAILED, ${leaked.length} ndshare segment(s) left behind:\n  ${leaked.join('\n  ')}`);
  process.exit(1);
}
console.log('/dev/shm leak check: ok (no ndshare segment left behind)');
process.exit(run.status ?? 1);
