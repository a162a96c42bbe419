/**
 * share() with 'manager' starts the child at the same time as the server (the child connects once
 * the parent says the server listens). So a server that cannot start must not leave that child
 * behind: share() rejects with the server's typed error, the child (process or worker) is stopped
 * and no process of this test is left (the server and the child both reaped). Forced with a
 * TMPDIR that does not exist: the server cannot create its socket there.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { NdshareError } from '../src/index.js';
import { share } from '../src/share/index.js';
import { kShaChildEntry, watchdog } from './helpers/methods.js';

/** Pids whose parent is this process (read from /proc; a reaped child is not listed). */
function children(): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // Gone meanwhile.
    }
    // "pid (comm) state ppid ...": the comm may hold spaces and parentheses, so split after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === process.pid) out.push(Number(name));
  }
  return out;
}

for (const kind of ['process', 'thread'] as const) {
  test(`manager to a ${kind}: a server that cannot start fails share() typed and leaves no process behind`, async () => {
    assert.deepEqual(children(), [], 'no child before the test');
    const saved = process.env['TMPDIR'];
    process.env['TMPDIR'] = '/nonexistent-ndshare-manager-test';
    let error: unknown;
    try {
      await watchdog(share({ build: { dtype: 'float64', shape: [1000], fill: 1 } }, { method: 'manager', kind, entry: kShaChildEntry }), 'share()').catch((err: unknown) => {
        error = err;
      });
    } finally {
      if (saved === undefined) delete process.env['TMPDIR'];
      else process.env['TMPDIR'] = saved;
    }
    assert.ok(error instanceof NdshareError, `a typed error, not ${String(error)}`);
    assert.match(error.message, /manager server|socket|ENOENT|listen/i);
    assert.deepEqual(children(), [], 'the server and the child are gone');
  });
}
