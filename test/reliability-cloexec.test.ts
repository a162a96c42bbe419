/**
 * No fd leaks into children: after 1,000 creates (kept open), an unrelated child process holds
 * none of them. Every fd ndshare opens is O_CLOEXEC (shm_open, open, memfd_create with
 * MFD_CLOEXEC); libuv's spawn closes nothing for us, so this is what keeps them out.
 * Negative control: an ndshare fd deliberately handed to a child does show up there.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, constants, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { create, type Backing, type NdArray } from '../src/index.js';
import { native } from '../src/core/native.js';
import { newSegmentName } from '../src/core/fd.js';
import { kLivenessLockLength, kLivenessLockStart } from '../src/core/layout.js';
import { deadline } from './helpers/channel.js';
import { ShmSnapshot } from './helpers/shm.js';

const kCreates = 1000;

/** fd targets of an unrelated child (`sleep`), read from /proc while it runs. */
async function childFdTargets(handOver?: number): Promise<string[]> {
  const child = spawn('sleep', ['30'], { stdio: handOver === undefined ? 'ignore' : ['ignore', 'ignore', 'ignore', handOver] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    // 'spawn' fires once exec has succeeded, so /proc shows the new program's fd table.
    await deadline(new Promise<void>((resolve, reject) => child.once('spawn', resolve).once('error', reject)), `'sleep' (pid ${child.pid}) to start`);
    const dir = `/proc/${child.pid}/fd`;
    return readdirSync(dir).map((fd) => safeReadlink(`${dir}/${fd}`));
  } finally {
    child.kill('SIGKILL');
    if (child.pid !== undefined) await deadline(exited, `'sleep' (pid ${child.pid}) to die of SIGKILL`);
  }
}

const kOCloexec = 0o2000000;

function safeReadlink(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

const isNdshare = (target: string) => /^\/dev\/shm\/ndshare-|^\/memfd:ndshare|ndshare-cloexec-/.test(target);

test(`an unrelated child started after ${kCreates} creates holds no ndshare fd`, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-cloexec-'));
  const shm = new ShmSnapshot();
  const arrays: NdArray[] = [];
  const backings: Backing[] = ['shm', 'shm', 'memfd', 'file'];
  try {
    for (let i = 0; i < kCreates; i++) {
      const backing = backings[i % backings.length] ?? 'shm';
      arrays.push(create({ dtype: 'uint8', shape: [64], backing, ...(backing === 'file' ? { path: join(dir, `a${i}.npy`) } : {}) }));
    }
    const targets = await childFdTargets();
    assert.deepEqual(targets.filter(isNdshare), [], 'the child inherited no ndshare fd');
    t.diagnostic(`child fds: ${targets.length} (${[...new Set(targets)].join(', ')})`);

    // The flag itself, as the kernel reports it for every ndshare fd of this process.
    const open = readdirSync('/proc/self/fd').filter((fd) => isNdshare(safeReadlink(`/proc/self/fd/${fd}`)));
    assert.ok(open.length >= kCreates, `all ${kCreates} arrays hold an fd (${open.length})`);
    const inheritable = open.filter((fd) => (parseInt(/^flags:\s+(\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1] ?? '0', 8) & kOCloexec) === 0);
    assert.deepEqual(inheritable, [], 'every ndshare fd has O_CLOEXEC');

    // Negative control: the same check does see an ndshare fd that reaches the child (glibc's
    // shm_open and libuv's open always set O_CLOEXEC, so hand one over explicitly).
    const name = newSegmentName();
    const fd = native().shmOpen(name, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
    // Held live like every ndshare segment, so no concurrent sweep removes the name meanwhile.
    native().ofdLock(fd, 1, kLivenessLockStart, kLivenessLockLength, false);
    try {
      assert.ok((await childFdTargets(fd)).some(isNdshare), 'an fd handed to the child is seen there');
    } finally {
      closeSync(fd);
      native().shmUnlink(name);
    }
  } finally {
    for (const a of arrays) {
      if (a.backing === 'file') a.unlink();
      a.close();
    }
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(shm.addedBy(), []);
});
