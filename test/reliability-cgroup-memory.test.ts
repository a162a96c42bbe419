/**
 * create() in a memory cgroup whose limit is below the request (and below /dev/shm's free space):
 * tmpfs and memfd pages are charged to the cgroup, so allocating them would get the process
 * OOM-killed (SIGKILL) inside create(). create() must refuse first, with ENOMEM naming the limit,
 * and the process must keep running. A 'file' on a disk file system is not refused (its page
 * cache is reclaimable, and posix_fallocate on a disk charges no memory); a 'file' on a tmpfs is.
 *
 * Real cgroups: as root, a child cgroup with a 64 MiB limit is created (v2 memory.max, or v1
 * memory.limit_in_bytes, whichever hierarchy has the memory controller), the fixture is moved
 * into it before it execs node, and the cgroup is removed at the end. Runs in a private /dev/shm
 * (512 MiB), so what an OOM-killed create leaves behind vanishes with it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixturePath } from './helpers/child.js';
import { deadline } from './helpers/channel.js';
import { assertInnerPassed, inPrivateShm, privateShmUnavailable, runInPrivateShm } from './helpers/private-shm.js';

const kLimitMiB = 64;
const kRequestMiB = 128;
/** Below the limit minus what node itself uses (about 13 MiB charged here). */
const kFitsMiB = 32;
const kTmpfsMagic = 0x01021994;

interface Hierarchy {
  readonly version: 1 | 2;
  /** Where the hierarchy is mounted (we create our cgroup right below it). */
  readonly root: string;
}

/** The hierarchy that has the memory controller, or why there is none. */
function memoryHierarchy(): Hierarchy | string {
  if (process.getuid?.() !== 0) return 'needs root to create a cgroup';
  let mounts: string;
  try {
    mounts = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return 'no /proc/self/mountinfo';
  }
  for (const line of mounts.split('\n')) {
    const [pre, post] = line.split(' - ');
    const mountPoint = pre?.split(' ')[4];
    const [fstype, , superOptions = ''] = post?.split(' ') ?? [];
    if (!mountPoint) continue;
    if (fstype === 'cgroup2' && existsSync(join(mountPoint, 'cgroup.controllers')) && readFileSync(join(mountPoint, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('memory')) {
      return { version: 2, root: mountPoint };
    }
    if (fstype === 'cgroup' && superOptions.split(',').includes('memory')) return { version: 1, root: mountPoint };
  }
  return 'no cgroup hierarchy with the memory controller is mounted';
}

/** A fresh cgroup with a memory limit, or why it cannot be made here. */
function makeCgroup(h: Hierarchy, name: string): string {
  const dir = join(h.root, name);
  if (h.version === 2) {
    // The root must hand the memory controller down to its children.
    writeFileSync(join(h.root, 'cgroup.subtree_control'), '+memory');
    mkdirSync(dir);
    writeFileSync(join(dir, 'memory.max'), String(kLimitMiB * 2 ** 20));
    // Swap would let tmpfs pages out instead of an OOM kill: none, so the limit is hard.
    if (existsSync(join(dir, 'memory.swap.max'))) writeFileSync(join(dir, 'memory.swap.max'), '0');
  } else {
    mkdirSync(dir);
    writeFileSync(join(dir, 'memory.limit_in_bytes'), String(kLimitMiB * 2 ** 20));
    try {
      writeFileSync(join(dir, 'memory.memsw.limit_in_bytes'), String(kLimitMiB * 2 ** 20));
    } catch {
      // No swap accounting: nothing to limit.
    }
  }
  return dir;
}

/** Why this test cannot run here, or undefined. */
function unavailable(): string | undefined {
  const shm = privateShmUnavailable();
  if (shm) return shm;
  const h = memoryHierarchy();
  if (typeof h === 'string') return h;
  const probe = `ndshare-probe-${process.pid}`;
  try {
    makeCgroup(h, probe);
  } catch (err) {
    return `cannot create a memory cgroup under ${h.root}: ${(err as Error).message}`;
  } finally {
    try {
      rmdirSync(join(h.root, probe));
    } catch {
      // Never made.
    }
  }
  return undefined;
}

interface Run {
  readonly lines: Record<string, unknown>[];
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/** Runs the fixture inside `cgroup` (moved there by its shell before exec) and waits for its end. */
async function runInCgroup(cgroup: string, args: readonly string[]): Promise<Run> {
  const script = 'echo $$ > "$0/cgroup.procs" && exec "$@"';
  const child = spawn('sh', ['-c', script, cgroup, process.execPath, fixturePath('reliability-cgroup-create'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const ended = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (code, signal) => resolve([code, signal])));
  const [code, signal] = await deadline(ended, `the fixture in ${cgroup} (${args.join(' ')}) to exit`, 60_000, () => child.kill('SIGKILL'));
  const lines = out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { lines, code, signal, stderr: err };
}

function diskDir(): string | undefined {
  for (const d of [tmpdir(), process.cwd()]) {
    if (statfsSync(d).type !== kTmpfsMagic) return d;
  }
  return undefined;
}

const why = unavailable();

test('create() in a memory cgroup smaller than the request: ENOMEM, not an OOM kill', { skip: why }, async (t) => {
  if (!inPrivateShm()) {
    const r = await runInPrivateShm(import.meta.url, 512);
    for (const line of r.output.split('\n')) if (line.startsWith('# cgroup')) t.diagnostic(line.slice(2));
    assertInnerPassed(r, 1);
    return;
  }
  const h = memoryHierarchy() as Hierarchy;
  const cgroup = makeCgroup(h, `ndshare-test-${process.pid}`);
  const disk = diskDir();
  const scratch = disk === undefined ? undefined : mkdtempSync(join(disk, 'ndshare-cgroup-'));
  const seen: Record<string, Run> = {};
  try {
    const cases: [string, string[]][] = [
      ['shm', ['shm', String(kRequestMiB)]],
      ['memfd', ['memfd', String(kRequestMiB)]],
      ['file on tmpfs (/dev/shm)', ['file', String(kRequestMiB), '/dev/shm']],
    ];
    // Control: what fits under the limit is not refused.
    cases.push([`shm of ${kFitsMiB} MiB (fits)`, ['shm', String(kFitsMiB)]]);
    if (scratch !== undefined) cases.push(['file on disk', ['file', String(kRequestMiB), scratch]]);
    for (const [name, args] of cases) {
      const r = await runInCgroup(cgroup, args);
      seen[name] = r;
      const big = r.lines.find((l) => l['step'] === 'big');
      t.diagnostic(`cgroup v${h.version} limit ${kLimitMiB} MiB, ${name}, ${args[1]} MiB: exit ${r.signal ?? r.code}; ${big ? JSON.stringify(big) : 'no outcome (died inside create)'}`);
    }
    for (const name of ['shm', 'memfd', 'file on tmpfs (/dev/shm)']) {
      const r = seen[name] as Run;
      assert.equal(r.signal, null, `${name}: the process must not be killed (it died of ${r.signal}: the OOM killer); stderr: ${r.stderr.slice(-500)}`);
      assert.equal(r.code, 0, `${name}: exit code; stderr: ${r.stderr.slice(-500)}`);
      const big = r.lines.find((l) => l['step'] === 'big');
      assert.equal(big?.['code'], 'ENOMEM', `${name}: ${JSON.stringify(big)}`);
      const message = String(big?.['message']);
      assert.match(message, new RegExp(`it needs 134\\.2 MB \\(${kRequestMiB * 2 ** 20 + 4096} bytes\\) but the cgroup has `), 'says what is needed, then what is left');
      assert.match(message, /cgroup/, 'names the cgroup limit');
      assert.match(message, new RegExp(`limit 67\\.1 MB \\(${kLimitMiB * 2 ** 20} bytes\\) in memory\\.(max|limit_in_bytes)`), 'says what the limit is');
      assert.match(message, /raise|smaller/i, 'says how to fix it');
      assert.equal(r.lines.find((l) => l['step'] === 'small')?.['state'], 'created', `${name}: the process keeps working after the refusal`);
    }
    const fits = seen[`shm of ${kFitsMiB} MiB (fits)`] as Run;
    assert.equal(fits.lines.find((l) => l['step'] === 'big')?.['state'], 'created', `a request that fits is not refused: ${JSON.stringify(fits.lines)} ${fits.signal ?? ''}`);
    if (scratch !== undefined) {
      const r = seen['file on disk'] as Run;
      assert.equal(r.signal, null);
      assert.equal(r.lines.find((l) => l['step'] === 'big')?.['state'], 'created', `a file on a disk file system is not refused: ${JSON.stringify(r.lines)}`);
    } else {
      t.diagnostic('no disk file system for the file case (tmpdir and cwd are tmpfs): skipped that case');
    }
  } finally {
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
    rmdirSync(cgroup);
  }
});
