/**
 * Capacity: a full /dev/shm gives a typed ENOSPC at create time, never a SIGBUS on first write,
 * and leaves nothing behind. Runs in a private 16 MiB tmpfs on /dev/shm (unshare -m), so the
 * host's /dev/shm is never filled.
 */
import assert from 'node:assert/strict';
import fs, { readdirSync, statSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { test } from 'node:test';
import { create, NdshareError, type NdArray } from '../src/index.js';
import { FixtureChild } from './helpers/child.js';
import type { HolderReply } from './fixtures/reliability-holder.js';
import { collectUntil } from './helpers/gc.js';
import { assertInnerPassed, inPrivateShm, privateShmUnavailable, runInPrivateShm, shmUsedBytes } from './helpers/private-shm.js';

const MiB = 1 << 20;

function enospc(fn: () => unknown): NdshareError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof NdshareError, `a typed NdshareError, not ${String(err)}`);
    assert.equal(err.code, 'ENOSPC');
    return err;
  }
  return assert.fail('Expected ENOSPC but the create succeeded');
}

if (!inPrivateShm()) {
  test('a full /dev/shm gives ENOSPC, never SIGBUS (private 16 MiB /dev/shm)', { skip: privateShmUnavailable() }, async (t) => {
    const r = await runInPrivateShm(import.meta.url, 16);
    assert.equal(r.signal, null, `no SIGBUS or other signal: ${r.output}`);
    assertInnerPassed(r, 3);
    for (const line of r.output.split('\n')) if (line.startsWith('# capacity')) t.diagnostic(line.slice(2));
  });
} else {
  test('100 creates of 64 MiB in a 16 MiB /dev/shm: ENOSPC before anything is allocated', async () => {
    const dirBefore = statSync('/dev/shm');
    const times: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t0 = performance.now();
      const err = enospc(() => create({ dtype: 'float64', shape: [8 * MiB], backing: i % 10 === 9 ? 'file' : 'shm', ...(i % 10 === 9 ? { path: '/dev/shm/capacity.npy' } : {}) }));
      times.push(performance.now() - t0);
      assert.equal(err.syscall, 'statfs', 'refused by the free-space check, before any shm_open or fallocate');
      // What is needed, then what is free, in sizes people read, then the fixes.
      assert.match(err.message, /^Not enough space in \/dev\/shm for (a shm segment of 67108864 bytes|the file \/dev\/shm\/capacity\.npy): it needs 67\.1 MB \(67112960 bytes\) but \/dev\/shm has \d+\.\d [kM]B \(\d+ bytes\) free\. Make \/dev\/shm larger \(Docker: --shm-size/);
      assert.match(err.message, /or use backing 'memfd', whose pages are not counted against the size of \/dev\/shm \(they still count toward the memory cgroup limit\)$/);
    }
    // The directory never changed: no name was created even for a moment.
    assert.equal(statSync('/dev/shm').mtimeMs, dirBefore.mtimeMs);
    assert.deepEqual(readdirSync('/dev/shm'), []);
    assert.equal(shmUsedBytes(), 0);
    times.sort((a, b) => a - b);
    console.log(`# capacity: 64 MiB in 16 MiB, 100 tries: ENOSPC after median ${times[50]?.toFixed(3)} ms, max ${times[99]?.toFixed(3)} ms`);
  });

  test('two requests that each fit but not together: the second fallocate fails with ENOSPC, nothing left', async () => {
    const realStatfs = fs.statfsSync;
    let rival: NdArray | undefined;
    let inHook = false;
    // Fault injection, to order a real race deterministically: right after request A's free-space
    // check (which passes), request B takes the space. A then meets the full tmpfs in fallocate.
    const hooked = ((path: fs.PathLike, options?: fs.StatFsOptions) => {
      const answer = realStatfs(path, options as fs.StatFsOptions & { bigint?: false });
      if (!inHook && rival === undefined) {
        inHook = true;
        try {
          rival = create({ dtype: 'uint8', shape: [10 * MiB] });
        } finally {
          inHook = false;
        }
      }
      return answer;
    }) as typeof fs.statfsSync;
    const rounds = 20;
    const times: number[] = [];
    try {
      for (let i = 0; i < rounds; i++) {
        fs.statfsSync = hooked;
        syncBuiltinESMExports();
        const t0 = performance.now();
        let err: NdshareError;
        try {
          err = enospc(() => create({ dtype: 'uint8', shape: [10 * MiB] }));
        } finally {
          fs.statfsSync = realStatfs;
          syncBuiltinESMExports();
        }
        times.push(performance.now() - t0);
        assert.equal(err.syscall, 'posix_fallocate', 'the race path: the check passed, fallocate refused');
        assert.match(err.message, /^Not enough space in \/dev\/shm for a shm segment of 10485760 bytes: posix_fallocate failed with ENOSPC: it needs 10\.5 MB \(10489856 bytes\) but \/dev\/shm has [\d.]+ [kM]?B[^.]*free\. Make \/dev\/shm larger/);
        assert.ok(rival, 'the rival request was created in full');
        const names = readdirSync('/dev/shm');
        assert.deepEqual(names, [rival.path?.slice('/dev/shm/'.length)], 'only the rival is left, no partial segment');
        // Every page of the rival is really there: writing all of it cannot SIGBUS.
        (rival.data as Uint8Array).fill(0xff);
        rival.close();
        rival = undefined;
        assert.ok(await collectUntil(() => shmUsedBytes() === 0), `all pages returned after close and collection (${shmUsedBytes()} bytes in use)`);
      }
    } finally {
      rival?.close();
    }
    times.sort((a, b) => a - b);
    console.log(`# capacity: fallocate race, ${rounds} rounds: ENOSPC after median ${times[rounds / 2]?.toFixed(2)} ms (includes creating the 10 MiB rival)`);
  });

  test('two processes racing for space: at most one wins, every loser gets ENOSPC, nothing leaks', async () => {
    const rounds = 10;
    const seen = { won: 0, statfs: 0, fallocate: 0 };
    for (let i = 0; i < rounds; i++) {
      const kids = [0, 1].map(() => new FixtureChild<HolderReply>('reliability-holder', { watchdogMs: 20_000 }));
      try {
        await Promise.all(kids.map((k) => k.next("'ready' ({ ok: true })")));
        // Both requests are sent back to back; each child checks, then allocates, on its own.
        const replies = await Promise.all(kids.map((k) => k.request({ op: 'create', dtype: 'uint8', shape: [10 * MiB] })));
        const wins = replies.filter((r) => r.ok).length;
        assert.ok(wins <= 1, '20 MiB cannot fit in 16 MiB');
        seen.won += wins;
        for (const r of replies) {
          if (r.ok) continue;
          assert.equal(r.code, 'ENOSPC', r.message);
          if (/posix_fallocate/.test(r.message)) seen.fallocate++;
          else seen.statfs++;
        }
        await Promise.all(kids.map((k) => k.request({ op: 'exit' })));
        for (const k of kids) assert.equal((await k.exited).signal, null, 'no child died of a signal (SIGBUS)');
      } finally {
        for (const k of kids) k.kill('SIGKILL');
        await Promise.all(kids.map((k) => k.close()));
      }
      assert.deepEqual(readdirSync('/dev/shm'), [], 'no partial segment is left');
      assert.equal(shmUsedBytes(), 0);
    }
    console.log(`# capacity: two-process race, ${rounds} rounds: ${seen.won} won, losers refused by statfs ${seen.statfs}, by fallocate ${seen.fallocate}`);
  });
}
