/**
 * `ndshare bench --parallel` options: workers 1..cores and both kinds by default, --workers lists,
 * --kinds narrowing, and typed usage errors (exit 2) for a bad worker count, --workers without
 * --parallel and a dtype the kernels do not have.
 */
import assert from 'node:assert/strict';
import { cpus } from 'node:os';
import { test } from 'node:test';
import { kMaxWorkers, kSharingTasks, parseBenchArgs } from '../src/bench/options.js';
import { METHODS } from '../src/share/index.js';
import { runCli } from './helpers/bench.js';

const names = METHODS.map((m) => m.name);

test('bench --parallel options: defaults, lists, kinds', () => {
  const cores = cpus().length;
  assert.deepEqual(parseBenchArgs(['--parallel'], names).options.parallel, { workers: Array.from({ length: cores }, (_, i) => i + 1), kinds: ['thread', 'process'], sharingTasks: kSharingTasks });
  assert.deepEqual(parseBenchArgs(['--parallel', '--workers', '4,1,2,2'], names).options.parallel?.workers, [1, 2, 4]);
  assert.deepEqual(parseBenchArgs(['--parallel', '--threads'], names).options.parallel?.kinds, ['thread']);
  assert.deepEqual(parseBenchArgs(['--parallel', '--kinds', 'process'], names).options.parallel?.kinds, ['process']);
  assert.equal(parseBenchArgs([], names).options.parallel, undefined, 'absent without --parallel');
});

test('bench --parallel options: bad input is a usage error (exit 2) with the standard message', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--parallel', '--workers', '0'], /Expected a positive integer such as 1e8 or 100000 for --workers but received the string "0"/],
    [['--parallel', '--workers', '1,x'], /for --workers but received the string "x"/],
    [['--parallel', '--workers', String(kMaxWorkers + 1)], new RegExp(`Expected worker counts of at most ${kMaxWorkers} for --workers`)],
    [['--workers', '2'], /Expected --workers only with --parallel for --workers/],
    [['--parallel', '--dtype', 'float32'], /Expected float64 with --parallel .* for --dtype/],
  ];
  for (const [args, expected] of cases) {
    const r = await runCli(['bench', ...args]);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, expected);
    assert.equal(r.stdout, '');
  }
});
