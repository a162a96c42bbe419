/**
 * Hostile handles: attach() with 4,000 mutated handles and options (wrong types, unknown backings,
 * hostile names and paths, pids and fds that point elsewhere, shapes that overflow, throwing
 * getters). Every case ends in success or a typed NdshareError; none crashes or hangs.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { attach, create } from '../src/index.js';
import { ShmSnapshot } from './helpers/shm.js';
import { classify, rss, Tally } from './helpers/fuzz.js';
import { collectGarbage } from './helpers/gc.js';

const kRuns = 4000;

test(`${kRuns} mutated handles end in typed errors`, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-fuzz-handles-'));
  const shm = new ShmSnapshot();
  const real = {
    shm: create({ dtype: 'float64', shape: [4, 4] }),
    memfd: create({ dtype: 'int32', shape: [8], backing: 'memfd' }),
    file: create({ dtype: 'uint8', shape: [16], backing: 'file', path: join(dir, 'real.npy') }),
    sab: create({ dtype: 'float32', shape: [8], backing: 'sab' }),
  };
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  symlinkSync(join(dir, 'loop'), join(dir, 'loop'));
  const paths = ['/dev/null', '/dev/zero', '/dev/stdin', '/proc/self/mem', '/etc/passwd', '/tmp', dir, join(dir, 'fifo'), join(dir, 'loop'), join(dir, 'missing.npy'), real.file.path ?? '', '', 'relative/x.npy', '\0', 'a'.repeat(5000)];
  const names = [real.shm.handle.backing === 'shm' ? real.shm.handle.name : '', '/', '/..', '/.', '/ndshare-1-00', '//x', '/a/b', 'noslash', `/${'x'.repeat(300)}`, '/ndshare-missing'];
  const hostile = fc.oneof(
    fc.anything(),
    fc.constantFrom(null, undefined, NaN, -1, 2 ** 53, Infinity, -0, '', [], {}, 1n, Symbol('s'), () => 1, new SharedArrayBuffer(3), new ArrayBuffer(8)),
  );
  const field = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ arbitrary: valid, weight: 8 }, { arbitrary: hostile, weight: 1 });
  // Each backing's fields default to the real array's, so most cases get past the handle check
  // and into opening, locking, reading the header and mapping.
  const shapeOf = (valid: number[]) =>
    field(fc.oneof({ arbitrary: fc.constant(valid), weight: 4 }, { arbitrary: fc.array(fc.oneof(fc.nat({ max: 20 }), fc.constantFrom(-1, 1.5, 2 ** 32, 2 ** 53, 2 ** 60)), { maxLength: 70 }), weight: 1 }));
  const dtypeOf = (valid: string) => field(fc.oneof({ arbitrary: fc.constant(valid), weight: 4 }, { arbitrary: fc.constantFrom('float64', 'int32', 'uint8', 'float32', '<f8', '>f8', 'complex128', 'object'), weight: 1 }));
  const memfdFd = real.memfd.handle.backing === 'memfd' ? real.memfd.handle.fd : 0;
  const handle = fc.oneof(
    { arbitrary: hostile, weight: 1 },
    {
      arbitrary: fc.record({
        ndshare: field(fc.constant(1)),
        backing: field(fc.constant('shm')),
        dtype: dtypeOf('float64'),
        shape: shapeOf([4, 4]),
        name: field(fc.oneof({ arbitrary: fc.constant(names[0] ?? ''), weight: 3 }, { arbitrary: fc.constantFrom(...names), weight: 1 }, { arbitrary: fc.string({ maxLength: 40 }).map((x) => `/${x}`), weight: 1 })),
      }),
      weight: 3,
    },
    {
      arbitrary: fc.record({
        ndshare: field(fc.constant(1)),
        backing: field(fc.constant('memfd')),
        dtype: dtypeOf('int32'),
        shape: shapeOf([8]),
        pid: field(fc.oneof({ arbitrary: fc.constant(process.pid), weight: 3 }, { arbitrary: fc.constantFrom(1, 2 ** 22 + 7, 0), weight: 1 })),
        fd: field(fc.oneof({ arbitrary: fc.constant(memfdFd), weight: 3 }, { arbitrary: fc.constantFrom(0, 1, 2), weight: 1 }, { arbitrary: fc.nat({ max: 1100 }), weight: 1 })),
      }),
      weight: 3,
    },
    {
      arbitrary: fc.record({
        ndshare: field(fc.constant(1)),
        backing: field(fc.constant('file')),
        dtype: dtypeOf('uint8'),
        shape: shapeOf([16]),
        path: field(fc.oneof({ arbitrary: fc.constant(real.file.path ?? ''), weight: 2 }, { arbitrary: fc.constantFrom(...paths), weight: 2 })),
        order: field(fc.constantFrom(undefined, 'C', 'F')),
      }),
      weight: 3,
    },
    {
      arbitrary: fc.record({
        ndshare: field(fc.constant(1)),
        backing: field(fc.constant('sab')),
        dtype: dtypeOf('float32'),
        shape: shapeOf([8]),
        buffer: field(fc.constant(real.sab.threadHandle.buffer)),
        byteOffset: field(fc.oneof(fc.constant(0), fc.nat({ max: 64 }))),
      }),
      weight: 2,
    },
  );
  const options = fc.oneof({ arbitrary: fc.constantFrom(undefined, { mode: 'r' }, { mode: 'r+' }, { mode: 'c' }), weight: 4 }, { arbitrary: fc.oneof(hostile, fc.record({ mode: hostile })), weight: 1 });
  const tally = new Tally();
  await collectGarbage();
  const rssBefore = rss();
  try {
    fc.assert(
      fc.property(handle, options, (h, o) => {
        const outcome = classify(() => attach(h, o as never).close());
        tally.add(outcome, h);
        return outcome.state !== 'untyped';
      }),
      { numRuns: kRuns, seed: Number(process.env['NDSHARE_FUZZ_SEED'] ?? 6) },
    );
    // Objects whose getters throw: the error is the caller's own, but it must not escape as a crash.
    const trap = new Proxy({}, { get: () => { throw new Error('trap'); }, has: () => { throw new Error('trap'); }, getOwnPropertyDescriptor: () => { throw new Error('trap'); } });
    tally.add(classify(() => attach(trap)), 'proxy');
  } finally {
    for (const a of Object.values(real)) {
      if (a.backing === 'file') a.unlink();
      a.close();
    }
    rmSync(dir, { recursive: true, force: true });
  }
  await collectGarbage();
  const growth = rss() - rssBefore;
  t.diagnostic(`handles (${tally.total}): ${tally.summary()}`);
  t.diagnostic(`RSS growth: ${(growth / 2 ** 20).toFixed(1)} MiB`);
  assert.deepEqual(tally.untyped, []);
  for (const code of ['ok', 'ERR_NDSHARE_INVALID_HANDLE', 'ERR_NDSHARE_HANDLE_MISMATCH', 'ENOENT']) assert.ok((tally.counts.get(code) ?? 0) > 0, `some cases ended in ${code}`);
  assert.ok(growth < 64 * 2 ** 20, `RSS grew by ${growth} bytes`);
  assert.deepEqual(shm.addedBy(), []);
});
