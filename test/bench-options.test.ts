/**
 * `ndshare bench` options: the study's defaults, sizes written as 1e8, the sweep, and typed errors
 * in the standard message style for bad input, through `main()` as a user would hit them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kSweepSizes, parseBenchArgs } from '../src/bench/options.js';
import { METHODS } from '../src/share/index.js';
import { runCli } from './helpers/bench.js';

const names = METHODS.map((m) => m.name);

test('bench options: defaults are the study (1e8 float64, 3 repeats, every method, processes)', () => {
  const { options } = parseBenchArgs([], names);
  assert.deepEqual(options.sizes, [100_000_000]);
  assert.equal(options.dtype, 'float64');
  assert.equal(options.repeats, 3);
  assert.deepEqual(options.methods, names);
  assert.deepEqual(options.kinds, ['process']);
  assert.equal(options.warm, true);
  assert.equal(options.memory, true);
  assert.equal(parseBenchArgs(['--no-memory'], names).options.memory, false);
});

test('bench options: 1e8, lists, --threads, --sweep', () => {
  assert.deepEqual(parseBenchArgs(['--size', '1e8'], names).options.sizes, [1e8]);
  assert.deepEqual(parseBenchArgs(['--size', '1e3,20000'], names).options.sizes, [1000, 20000]);
  assert.deepEqual(parseBenchArgs(['--threads'], names).options.kinds, ['thread']);
  assert.deepEqual(parseBenchArgs(['--sweep'], names).options.sizes, kSweepSizes);
  assert.deepEqual(kSweepSizes, [1e3, 1e4, 1e5, 1e6, 1e7, 1e8]);
  assert.deepEqual(parseBenchArgs(['--methods', 'shm,pipe', '--dtype', '<f4'], names).options, { ...parseBenchArgs([], names).options, methods: ['shm', 'pipe'], dtype: 'float32' });
});

test('bench options: bad input is a typed error with the standard message, exit status 2 (usage)', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--size', 'big'], /ERR_NDSHARE_INVALID_ARGUMENT: Expected a positive integer such as 1e8 or 100000 for --size but received the string "big"/],
    [['--size', '1.5'], /Expected a positive integer .* for --size/],
    [['--repeats', '0'], /Expected a positive integer .* for --repeats/],
    [['--methods', 'shm,telepathy'], /Expected methods among inherit, .* for --methods but received the string "telepathy"/],
    [['--dtype', 'complex128'], /ERR_NDSHARE_INVALID_DTYPE/],
    [['--kinds', 'fiber'], /Expected 'process' and\/or 'thread' for --kinds/],
    [['--sweep', '--size', '1e3'], /Expected either --size or --sweep/],
    [['--fast'], /ERR_NDSHARE_INVALID_ARGUMENT: Expected options listed by 'ndshare bench --help' but Unknown option '--fast'/],
    [['--methods', 'transfer'], /Expected --methods and --kinds \(or --threads\) that run at least one cell but every selected method lacks the selected kind \(process\): transfer runs only as thread \(add --threads\)/],
  ];
  for (const [args, expected] of cases) {
    const r = await runCli(['bench', ...args]);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, expected);
    assert.equal(r.stdout, '');
  }
  // Control: valid help exits 0 and prints usage.
  const help = await runCli(['bench', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--python/);
});
