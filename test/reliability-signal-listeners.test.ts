/**
 * SIGTERM, SIGINT and SIGHUP still end the process when ndshare is not their only listener. The
 * real `signal-exit` v4 (write-file-atomic, proper-lockfile and many CLIs use it) re-raises a
 * signal only when its own listener is the last one, and ndshare used to do the same: with both
 * loaded, or with two copies of ndshare (two versions in node_modules), nobody re-raised and the
 * signal was ignored. Now the process dies of the signal (the parent sees the signal, not an exit
 * code), every copy's names are gone and signal-exit's callback ran, in either load order; an
 * application listener that keeps the process running still keeps it running, with its names.
 */
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FixtureChild } from './helpers/child.js';
import { shmExists } from './helpers/shm.js';
import type { SignalListenersConfig } from './fixtures/reliability-signal-listeners.js';

type Line = { names?: string[]; listeners?: number; signalExit?: { code: number | null; signal: string | null }; signal?: string; pong?: boolean };

const kRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A second installed copy of ndshare, as npm makes one when two dependencies need different
 * versions: its own directory with the compiled src and its own copy of the native addon files.
 */
function packageCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-copy-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'ndshare', type: 'module' }));
  cpSync(join(kRoot, 'dist/src'), join(dir, 'dist/src'), { recursive: true });
  mkdirSync(join(dir, 'build/Release'), { recursive: true });
  for (const f of readdirSync(join(kRoot, 'build/Release')).filter((n) => n.endsWith('.node'))) {
    copyFileSync(join(kRoot, 'build/Release', f), join(dir, 'build/Release', f));
  }
  // The shipped binaries too: the loader falls back to them (say, while build/ is being rebuilt).
  if (existsSync(join(kRoot, 'prebuilds'))) cpSync(join(kRoot, 'prebuilds'), join(dir, 'prebuilds'), { recursive: true });
  return pathToFileURL(join(dir, 'dist/src/index.js')).href;
}

/** Made once for the file (node:test's after() inside a test would remove them at that test's end). */
let copies: string[] | undefined;
function twoCopies(): string[] {
  copies ??= [packageCopy(), packageCopy()];
  return copies;
}
after(() => {
  for (const url of copies ?? []) rmSync(fileURLToPath(new URL('../../', url)), { recursive: true, force: true });
});

/** Ends a child still running after its test (by SIGKILL) and removes the names it may have left. */
async function stop(child: FixtureChild<Line>, names: readonly string[]): Promise<void> {
  child.kill('SIGKILL');
  await child.exited;
  for (const n of names) rmSync(`/dev/shm/${n.replace(/^\//, '')}`, { force: true });
}

async function start(config: SignalListenersConfig): Promise<{ child: FixtureChild<Line>; names: string[] }> {
  const child = new FixtureChild<Line>('reliability-signal-listeners', { transport: 'lines', args: [JSON.stringify(config)], watchdogMs: 20_000 });
  try {
    const { names = [] } = await child.next('the names of its segments');
    assert.equal(names.length, Math.max(1, config.copies.length));
    for (const n of names) assert.ok(shmExists(n), `${n} exists while the child runs`);
    return { child, names };
  } catch (err) {
    child.kill('SIGKILL');
    await child.exited;
    throw err;
  }
}

const kCases: Array<{ title: string; signal: NodeJS.Signals; config: () => SignalListenersConfig }> = [
  { title: 'signal-exit loaded before ndshare', signal: 'SIGTERM', config: () => ({ copies: [], signalExit: 'before', appListeners: [] }) },
  { title: 'signal-exit loaded after ndshare', signal: 'SIGTERM', config: () => ({ copies: [], signalExit: 'after', appListeners: [] }) },
  { title: 'signal-exit loaded before ndshare', signal: 'SIGINT', config: () => ({ copies: [], signalExit: 'before', appListeners: [] }) },
  { title: 'signal-exit loaded after ndshare', signal: 'SIGHUP', config: () => ({ copies: [], signalExit: 'after', appListeners: [] }) },
  { title: 'two copies of ndshare', signal: 'SIGTERM', config: () => ({ copies: twoCopies(), signalExit: 'none', appListeners: [] }) },
  { title: 'two copies of ndshare and signal-exit', signal: 'SIGINT', config: () => ({ copies: twoCopies(), signalExit: 'after', appListeners: [] }) },
];

for (const { title, signal, config } of kCases) {
  test(`${title}: ${signal} unlinks every name and the process dies of ${signal}`, async () => {
    const cfg = config();
    const { child, names } = await start(cfg);
    try {
      child.kill(signal);
      const exit = await child.exited;
      const gone = names.filter((n) => !shmExists(n));
      assert.deepEqual(exit, { code: null, signal }, `the process died of ${signal} (names gone: ${gone.length} of ${names.length})`);
      assert.deepEqual(gone, names, 'every copy unlinked its names');
      if (cfg.signalExit !== 'none') {
        assert.deepEqual(await child.next("signal-exit's callback"), { signalExit: { code: null, signal } }, "signal-exit's callback ran");
      }
    } finally {
      await stop(child, names);
    }
  });
}

test('an application listener beside signal-exit and two copies of ndshare keeps the process running with its names', async () => {
  const { child, names } = await start({ copies: twoCopies(), signalExit: 'before', appListeners: ['SIGTERM'] });
  try {
    child.kill('SIGTERM');
    assert.deepEqual(await child.next("'SIGTERM' from the application's listener"), { signal: 'SIGTERM' });
    // Its listener has run; a second signal round-trip proves the process outlived the first one
    // (a re-raise by anyone would have killed it before it could answer again).
    child.kill('SIGTERM');
    assert.deepEqual(await child.next("'SIGTERM' again from the application's listener"), { signal: 'SIGTERM' });
    for (const n of names) assert.ok(shmExists(n), `${n} kept: the application chose to keep running`);
    child.send('exit');
    assert.deepEqual(await child.next("signal-exit's callback at exit"), { signalExit: { code: 0, signal: null } });
    assert.deepEqual(await child.exited, { code: 0, signal: null });
    for (const n of names) assert.ok(!shmExists(n), `${n} unlinked at exit`);
  } finally {
    await stop(child, names);
  }
});

test("an application's process.once() listener registered before ndshare keeps the process running with its names", async () => {
  const { child, names } = await start({ copies: [], signalExit: 'none', appListeners: [], appOnce: ['SIGTERM'] });
  try {
    child.kill('SIGTERM');
    assert.deepEqual(await child.next("'SIGTERM' from the application's once() listener"), { signal: 'SIGTERM' });
    assert.deepEqual(await child.request('ping'), { pong: true }, 'the process outlived the signal');
    for (const n of names) assert.ok(shmExists(n), `${n} kept: the application's shutdown is under way`);
    child.send('exit');
    assert.deepEqual(await child.exited, { code: 0, signal: null });
    for (const n of names) assert.ok(!shmExists(n), `${n} unlinked at exit`);
  } finally {
    await stop(child, names);
  }
});
