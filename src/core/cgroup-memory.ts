/**
 * The memory cgroup's room for tmpfs and memfd pages. Those pages are charged to the memory cgroup
 * of the process that allocates them, so a request larger than what the cgroup may still charge
 * does not fail with ENOSPC: posix_fallocate (or the first write) makes the kernel OOM-kill the
 * process. create() asks here first and refuses such a request with ENOMEM.
 *
 * Read from the files the kernel exposes, for every level from this process's own cgroup up to
 * the root of its hierarchy (a parent's limit binds its children; the tightest level wins):
 * cgroup v2 `memory.max` and `memory.current`, cgroup v1 `memory.limit_in_bytes` and
 * `memory.usage_in_bytes`. Page cache on the file LRU lists counts as room (the kernel reclaims it
 * before it kills anyone), and so does free swap within the cgroup's swap limit. Where nothing can
 * be read (no cgroup file system, an unknown layout) the check passes: it is a guard against a
 * kill, never a new way for create() to fail.
 */
import { readFileSync } from 'node:fs';
import { NdshareError } from '../errors.js';
import { humanSize } from './human-size.js';

/** Requests below this are not checked: the process's own heap moves by as much all the time. */
export const kCgroupCheckMinBytes = 1 << 20;
/** How long this thread trusts where its cgroups are and what their limits are (usage is read every time). */
const kRefreshMs = 1000;
/** cgroup v1 writes "no limit" as a huge multiple of the page size (2^63 - 4096 on x86-64). */
const kV1Unlimited = 2 ** 62;

/** One level of a hierarchy that has a memory limit. */
interface LimitedLevel {
  readonly version: 1 | 2;
  /** The cgroup's directory (under /sys/fs/cgroup). */
  readonly dir: string;
  /** The limit file, named in the message so the user knows what to raise. */
  readonly limitFile: string;
  /** Its limit in bytes. */
  readonly limit: number;
}

let cache: { readonly at: number; readonly levels: readonly LimitedLevel[] } | undefined;

/**
 * Refuses, before anything is allocated, `bytes` of tmpfs or memfd pages that the memory cgroup
 * cannot take. `what` names the request in the message ("a shm segment of 134217728 bytes").
 */
export function checkMemoryCharge(bytes: number, what: string): void {
  if (bytes < kCgroupCheckMinBytes) return;
  let short: { level: LimitedLevel; limit: number; usage: number; room: number } | undefined;
  try {
    for (const level of limitedLevels()) {
      const { limit } = level;
      const usage = readNumber(`${level.dir}/${level.version === 2 ? 'memory.current' : 'memory.usage_in_bytes'}`);
      let room = limit - usage;
      // Only when the plain difference is short: what the kernel would reclaim or swap out first.
      if (bytes > room) room += reclaimable(level) + swapRoom(level);
      if (bytes > room && (short === undefined || room < short.room)) short = { level, limit, usage, room };
    }
  } catch {
    return; // An unreadable or vanished cgroup file: no answer, so no refusal.
  }
  if (short === undefined) return;
  const { level, limit, usage, room } = short;
  throw new NdshareError(
    'ENOMEM',
    `Not enough memory left in the memory cgroup for ${what}: it needs ${humanSize(bytes)} but the cgroup has ${humanSize(Math.max(0, room))} left ` +
      `(${level.dir}: limit ${humanSize(limit)} in ${level.limitFile}, ${humanSize(usage)} in use). tmpfs and memfd pages are charged to the cgroup, ` +
      `so allocating them would get this process OOM-killed. Raise the cgroup's memory limit (Docker: --memory), use a smaller array, or use backing 'file' on a disk file system`,
    { path: level.dir },
  );
}

/** This process's cgroup levels that have a memory limit, found again at most once a second. */
function limitedLevels(): readonly LimitedLevel[] {
  const now = performance.now();
  if (cache !== undefined && now - cache.at < kRefreshMs) return cache.levels;
  let levels: LimitedLevel[] = [];
  try {
    levels = findLevels();
  } catch {
    // No /proc, or a layout we do not know: no levels, no check.
  }
  cache = { at: now, levels };
  return levels;
}

/** The levels with a limit, own cgroup first, of the hierarchies that carry the memory controller. */
function findLevels(): LimitedLevel[] {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  const out: LimitedLevel[] = [];
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    // "hierarchy-id:controllers:path"; v2 is "0::/path".
    const m = /^(\d+):([^:]*):(\/.*)$/.exec(line);
    if (!m) continue;
    const [, id, controllers = '', path = '/'] = m;
    const version = id === '0' && controllers === '' ? 2 : controllers.split(',').includes('memory') ? 1 : 0;
    if (version === 0) continue;
    const mount = mountOf(mounts, version);
    if (!mount) continue;
    // The mount shows the hierarchy from `root` down; /proc/self/cgroup gives the path from the top.
    let rel = path;
    if (mount.root !== '/') {
      if (rel !== mount.root && !rel.startsWith(`${mount.root}/`)) continue;
      rel = rel.slice(mount.root.length) || '/';
    }
    const limitFile = version === 2 ? 'memory.max' : 'memory.limit_in_bytes';
    for (let dir = rel; ; dir = dir.slice(0, dir.lastIndexOf('/')) || '/') {
      const at = dir === '/' ? mount.point : `${mount.point}${dir}`;
      const limit = readLimit(`${at}/${limitFile}`, version);
      if (limit !== undefined) out.push({ version, dir: at, limitFile, limit });
      if (dir === '/') break;
    }
  }
  return out;
}

/** The mount point and root of the cgroup2 mount (v2), or of the cgroup mount with `memory` (v1). */
function mountOf(mounts: readonly string[], version: 1 | 2): { point: string; root: string } | undefined {
  for (const line of mounts) {
    const [pre, post] = line.split(' - ');
    const fields = pre?.split(' ') ?? [];
    const [fstype, , superOptions = ''] = post?.split(' ') ?? [];
    const root = fields[3];
    const point = fields[4];
    if (root === undefined || point === undefined) continue;
    if (version === 2 && fstype === 'cgroup2') return { point: unescapeMount(point), root: unescapeMount(root) };
    if (version === 1 && fstype === 'cgroup' && superOptions.split(',').includes('memory')) return { point: unescapeMount(point), root: unescapeMount(root) };
  }
  return undefined;
}

/** mountinfo writes space, tab, newline and backslash as octal escapes. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** A limit in bytes, or undefined when there is none (or no file: the v2 root has no memory.max). */
function readLimit(path: string, version: 1 | 2): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
  if (text === 'max') return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || (version === 1 && n >= kV1Unlimited)) return undefined;
  return n;
}

function readNumber(path: string): number {
  const n = Number(readFileSync(path, 'utf8').trim());
  if (!Number.isFinite(n)) throw new Error(`not a number in ${path}`);
  return n;
}

/** Page cache on the file LRU lists (shmem pages are on the anon lists, so they are not counted). */
function reclaimable(level: LimitedLevel): number {
  let stat: string;
  try {
    stat = readFileSync(`${level.dir}/memory.stat`, 'utf8');
  } catch {
    return 0;
  }
  const prefix = level.version === 2 ? '' : 'total_';
  const field = (name: string): number => Number(new RegExp(`^${prefix}${name} (\\d+)$`, 'm').exec(stat)?.[1] ?? 0);
  return field('active_file') + field('inactive_file');
}

/** Free swap this level may still use: tmpfs pages can be swapped out instead of killing. */
function swapRoom(level: LimitedLevel): number {
  let free: number;
  try {
    free = Number(/^SwapFree:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
  if (free === 0) return 0;
  try {
    if (level.version === 2) {
      const max = readFileSync(`${level.dir}/memory.swap.max`, 'utf8').trim();
      return max === 'max' ? free : Math.min(free, Math.max(0, Number(max) - readNumber(`${level.dir}/memory.swap.current`)));
    }
    // v1 with swap accounting: memsw is memory plus swap, so its room beyond the memory room is swap.
    const memsw = readNumber(`${level.dir}/memory.memsw.limit_in_bytes`);
    if (memsw >= kV1Unlimited) return free;
    const memswRoom = memsw - readNumber(`${level.dir}/memory.memsw.usage_in_bytes`);
    const memRoom = readNumber(`${level.dir}/memory.limit_in_bytes`) - readNumber(`${level.dir}/memory.usage_in_bytes`);
    return Math.min(free, Math.max(0, memswRoom - memRoom));
  } catch {
    return free; // No swap limit files: swap is not limited per cgroup.
  }
}
