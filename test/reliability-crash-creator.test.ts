/**
 * SIGKILL the creator at random points, 200 times: after `ndshare sweep`, no segment is left and
 * the memory is back. Runs in a private /dev/shm (see helpers/private-shm) so that
 * nobody else's sweep or segments blur the count, and the tmpfs usage can be checked exactly.
 *
 * A SIGKILLed process cannot be reused, so every kill is one child: a long-lived creator looping
 * over create/fill/hold/close that is killed a random 0-40 ms after its 'ready' handshake. Two
 * children run at a time, so one child's automatic sweep (inside create) races the other's
 * creates, as it would in production.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '../src/cli/main.js';
import { create } from '../src/index.js';
import { FixtureChild } from './helpers/child.js';
import { assertInnerPassed, inPrivateShm, meminfoShmem, privateShmUnavailable, runInPrivateShm, shmUsedBytes } from './helpers/private-shm.js';

const kKills = Number(process.env['NDSHARE_RELIABILITY_KILLS'] ?? 200);
const kLanes = 2;
const kStepNames = ['starting', 'creating', 'filling', 'holding', 'closing'];

if (!inPrivateShm()) {
  test('SIGKILLed creators leave nothing after sweep (private /dev/shm)', { skip: privateShmUnavailable() }, async (t) => {
    const r = await runInPrivateShm(import.meta.url, 512);
    assertInnerPassed(r, 1);
    for (const line of r.output.split('\n')) if (line.startsWith('# reliability')) t.diagnostic(line.slice(2));
  });
} else {
  test(`${kKills} SIGKILLed creators: 0 leftovers after sweep, Shmem back within 1 MiB`, async () => {
    assert.equal(readdirSync('/dev/shm').length, 0, 'the private /dev/shm starts empty');
    const shmemBefore = meminfoShmem();
    const dir = mkdtempSync(join(tmpdir(), 'ndshare-crash-'));
    const phase = create({ dtype: 'int32', shape: [kLanes, 4], backing: 'file', path: join(dir, 'phase.npy') });
    const steps = new Map<string, number>();
    let iterations = 0;
    let violations = 0;
    let next = 0;
    let failed = false;
    const lane = async (l: number): Promise<void> => {
      const p = phase.data as Int32Array;
      // One failing lane stops the other, so no child starts after the phase file is gone.
      while (next < kKills && !failed) {
        next++;
        p.fill(0, l * 4, l * 4 + 4);
        const child = new FixtureChild('reliability-crash-creator', { args: [phase.path ?? '', String(l)] });
        await child.next("'ready'");
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 40));
        child.kill('SIGKILL');
        assert.equal((await child.exited).signal, 'SIGKILL');
        const step = kStepNames[p[l * 4] ?? 0] ?? 'unknown';
        steps.set(step, (steps.get(step) ?? 0) + 1);
        violations += p[l * 4 + 1] ?? 0;
        iterations += p[l * 4 + 2] ?? 0;
      }
    };
    try {
      const lanes = await Promise.allSettled(Array.from({ length: kLanes }, (_, l) => lane(l).catch((err: unknown) => {
        failed = true;
        throw err;
      })));
      for (const r of lanes) if (r.status === 'rejected') throw r.reason;
    } finally {
      phase.close();
      rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(violations, 0, 'no sweep ever removed the name of a segment a live creator held');
    const before = readdirSync('/dev/shm').length;
    const out: string[] = [];
    const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => out.push(s) } } as unknown as Parameters<typeof main>[1];
    assert.equal(await main(['sweep', '--json'], io), 0, out.join(''));
    const swept = JSON.parse(out.join('')) as { removed: string[]; remaining: number };
    assert.deepEqual(readdirSync('/dev/shm'), [], 'no segment is left after sweep');
    assert.equal(swept.remaining, 0);
    assert.equal(shmUsedBytes(), 0, 'the private tmpfs holds no pages');
    // Shmem is machine-wide and other engineers' runs move it; our pages are gone the moment the
    // tmpfs is empty, so a higher reading must be someone else's and will come back down.
    let shmemAfter = meminfoShmem();
    for (let i = 0; i < 40 && shmemAfter - shmemBefore > 1 << 20; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      shmemAfter = meminfoShmem();
    }
    const delta = shmemAfter - shmemBefore;
    console.log(`# reliability crash: ${kKills} kills, ${iterations} loop iterations, killed while ${[...steps].map(([k, v]) => `${k} ${v}`).join(', ')}`);
    console.log(`# reliability crash: ${before} dead segment(s) left before sweep (the rest were reclaimed by the next create), sweep removed ${swept.removed.length}; Shmem delta ${(delta / 1024).toFixed(0)} KiB`);
    assert.equal(swept.removed.length, before);
    assert.ok(delta <= 1 << 20, `Shmem back within 1 MiB of its baseline (delta ${delta} bytes)`);
  });
}
