/**
 * `ndshare ls`, `rm` and `sweep` on real segments held (or left behind) by real processes: ls
 * reports dtype, shape, owner and live/dead from the kernel's state; rm refuses a live segment
 * unless --force; sweep removes only dead segments of this user. Runs in a private /dev/shm so
 * that no other suite's create() sweeps our dead segments under us.
 */
import assert from 'node:assert/strict';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli/main.js';
import type { SegmentInfo, ShmHandle } from '../src/index.js';
import { FixtureChild } from './helpers/child.js';
import { runSync } from './helpers/process.js';
import type { HolderReply, HolderRequest } from './fixtures/reliability-holder.js';
import { assertInnerPassed, inPrivateShm, privateShmUnavailable, runInPrivateShm } from './helpers/private-shm.js';

type Holder = FixtureChild<HolderReply>;

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } } as unknown as Parameters<typeof main>[1];
  const code = await main(argv, io);
  return { code, out: out.join(''), err: err.join('') };
}

async function holder(): Promise<Holder> {
  const c = new FixtureChild<HolderReply>('reliability-holder', { watchdogMs: 20_000 });
  await c.next("'ready' ({ ok: true })");
  return c;
}

async function make(c: Holder, m: HolderRequest): Promise<ShmHandle> {
  const r = await c.request(m);
  if (!r.ok || r.handle?.backing !== 'shm') return assert.fail(`holder could not create: ${JSON.stringify(r)}`);
  return r.handle;
}

/** A segment whose creator was SIGKILLed. */
async function dead(m: HolderRequest): Promise<ShmHandle> {
  const c = await holder();
  try {
    return await make(c, m);
  } finally {
    c.kill('SIGKILL');
    await c.exited;
  }
}

const onDisk = (h: ShmHandle) => existsSync(`/dev/shm${h.name}`);

/** `ls --json` prints listSegments()'s objects. */
type LsEntry = SegmentInfo;

if (!inPrivateShm()) {
  test('ndshare ls / rm / sweep (private /dev/shm)', { skip: privateShmUnavailable() }, async () => {
    assertInnerPassed(await runInPrivateShm(import.meta.url, 64), 1);
  });
} else {
  test('ls lists live and dead segments; rm refuses live ones without --force; sweep takes only the dead', async () => {
    const live = await holder();
    try {
      const L = await make(live, { op: 'create', dtype: 'float64', shape: [10, 3], fill: 1.5 });
      const D = await dead({ op: 'create', dtype: 'int32', shape: [7] });

      const ls = await run('ls', '--json');
      assert.equal(ls.code, 0, ls.err);
      const entries = JSON.parse(ls.out) as LsEntry[];
      const byName = new Map(entries.map((e) => [e.name, e]));
      assert.equal(entries.length, 2);
      const l = byName.get(L.name);
      const d = byName.get(D.name);
      assert.ok(l && d);
      assert.deepEqual(
        { ...l, ageMs: 0 },
        { name: L.name, path: `/dev/shm${L.name}`, size: 4096 + 240, header: { state: 'ok', dtype: 'float64', shape: [10, 3] }, creatorPid: live.pid, uid: 0, mode: 0o600, liveness: 'live', ageMs: 0 },
      );
      assert.deepEqual([d.header, d.liveness], [{ state: 'ok', dtype: 'int32', shape: [7] }, 'dead']);
      assert.ok(l.ageMs >= 0 && l.ageMs < 600_000);

      const table = await run('ls');
      assert.match(table.out, /^NAME\s+SIZE\s+DTYPE\s+SHAPE\s+PID\s+UID\s+STATE\s+AGE$/m);
      assert.match(table.out, new RegExp(`^${L.name}\\s+4.2 KiB\\s+float64\\s+\\(10, 3\\)\\s+${live.pid}\\s+0\\s+live\\s+\\d+s$`, 'm'));
      assert.match(table.out, /1 dead segment\(s\): 'ndshare sweep' removes them/);

      // The real binary, once, as a user would run it.
      const bin = fileURLToPath(new URL('../../bin/ndshare.js', import.meta.url));
      const spawned = runSync('ndshare ls --json', process.execPath, [bin, 'ls', '--json']);
      assert.equal(spawned.status, 0, spawned.stderr);
      assert.deepEqual((JSON.parse(spawned.stdout) as LsEntry[]).map((e) => e.name).sort(), [L.name, D.name].sort());

      const refused = await run('rm', L.name);
      assert.equal(refused.code, 1);
      assert.match(refused.err, /EBUSY: Expected a segment no process holds for removal but \/ndshare-\S+ is live/);
      assert.ok(onDisk(L), 'a live segment survives rm without --force');

      assert.deepEqual(await run('rm', D.name.slice(1)), { code: 0, out: `removed ${D.name}\n`, err: '' });
      assert.ok(!onDisk(D));
      assert.match((await run('rm', D.name)).err, /ENOENT/);
      const notAName = await run('rm', '/etc/passwd');
      assert.equal(notAName.code, 2, 'a name that cannot be a segment is a usage error');
      assert.match(notAName.err, /ERR_NDSHARE_INVALID_ARGUMENT: Expected an ndshare segment name/);
      assert.equal((await run('rm')).code, 2);
      assert.equal((await run('ls', '--bogus')).code, 2);

      // Another user's dead segment: listed, never swept, removable only by root with --force.
      const N = await dead({ op: 'create', dtype: 'uint8', shape: [3] });
      chownSync(`/dev/shm${N.name}`, 65534, 65534);
      const E = await dead({ op: 'create', dtype: 'uint8', shape: [5] });
      const dry = await run('sweep', '--dry-run', '--json');
      assert.deepEqual(JSON.parse(dry.out), { dryRun: true, removed: [E.name], remaining: 3 });
      assert.ok(onDisk(E), '--dry-run removes nothing');
      const swept = await run('sweep', '--json');
      assert.deepEqual(JSON.parse(swept.out), { dryRun: false, removed: [E.name], remaining: 2 });
      assert.ok(onDisk(L) && onDisk(N) && !onDisk(E));
      assert.match((await run('rm', N.name)).err, /ERR_NDSHARE_PERMISSION: .* another user's; as root, pass --force/);
      assert.equal((await run('rm', '--force', N.name)).code, 0);

      // --force removes a live name; the holder keeps its memory.
      const forced = await run('rm', '-f', L.name);
      assert.equal(forced.code, 0, forced.err);
      assert.match(forced.out, /it was live: processes that mapped it keep their memory/);
      assert.ok(!onDisk(L));
      assert.deepEqual(await live.request({ op: 'sum' }), { ok: true, sum: 45 });
    } finally {
      await live.close();
    }
    assert.deepEqual(readdirSync('/dev/shm'), []);
    assert.match((await run('ls')).out, /No ndshare segments/);
  });
}
