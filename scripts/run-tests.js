#!/usr/bin/env node
// Runs the compiled test suite with node:test and then checks that the suite left /dev/shm as it
// found it: a leaked ndshare segment fails the run even if every test passed.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const ours = () => new Set(readdirSync('/dev/shm').filter((n) => n.startsWith('ndshare-')));
const before = ours();
const extra = process.argv.slice(2);
const args = ['--test', '--test-reporter=spec', ...(extra.length ? extra : ['dist/test/'])];
const run = spawnSync(process.execPath, args, { stdio: 'inherit' });
const leaked = [...ours()].filter((n) => !before.has(n));
if (leaked.length > 0) {
  console.error(`\n/dev/shm leak check: FAILED, ${leaked.length} ndshare segment(s) left behind:\n  ${leaked.join('\n  ')}`);
  process.exit(1);
}
console.log('/dev/shm leak check: ok (no ndshare segment left behind)');
process.exit(run.status ?? 1);
