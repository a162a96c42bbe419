/** `ndshare ls`, `ndshare rm NAME`, `ndshare sweep`: look after the segments in /dev/shm. */
import { parseArgs } from 'node:util';
import type { CliIO, Command } from './command.js';
import { listSegments, removeSegment, sweepSegments, type SegmentInfo } from '../core/admin.js';
import { segmentNames } from '../core/sweep.js';
import { cacheDir, listCache } from '../zarr/cache.js';

type Flags = Record<string, { type: 'boolean'; short?: string }>;

/** Parses argv, or reports a usage error (exit code 2) through `io`. */
function parse(argv: string[], options: Flags, positionals: number, usage: string, io: CliIO) {
  try {
    const r = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: positionals > 0, strict: true });
    if (r.positionals.length > positionals) throw new Error(`Unexpected argument '${r.positionals[positionals] ?? ''}'`);
    return { state: 'ok' as const, values: r.values as Record<string, boolean | undefined>, positionals: r.positionals };
  } catch (err) {
    io.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${usage}`);
    return { state: 'usage' as const };
  }
}

const kLsUsage = `Usage: ndshare ls [--json]

Lists ndshare segments in /dev/shm: name, size, dtype and shape (from the .npy header), creator
pid (from the name) and owner uid, live (a process holds it) or dead (sweep will remove it), age.
`;

/** `ndshare ls [--json]` */
export const ls: Command = async (argv, io) => {
  const p = parse(argv, { json: { type: 'boolean' } }, 0, kLsUsage, io);
  if (p.state === 'usage') return 2;
  if (p.values['help']) {
    io.stdout.write(kLsUsage);
    return 0;
  }
  const segments = listSegments();
  if (p.values['json']) {
    io.stdout.write(`${JSON.stringify(segments.map(toJson), null, 2)}\n`);
    return 0;
  }
  if (segments.length === 0) {
    io.stdout.write('No ndshare segments in /dev/shm.\n');
    cachedNote(io);
    return 0;
  }
  const rows = segments.map((s) => [
    s.name,
    formatBytes(s.size),
    s.header.state === 'ok' ? s.header.dtype : '?',
    s.header.state === 'ok' ? `(${s.header.shape.join(', ')}${s.header.shape.length === 1 ? ',' : ''})` : '?',
    String(s.creatorPid),
    String(s.uid),
    s.liveness,
    formatAge(s.ageMs),
  ]);
  io.stdout.write(table(['NAME', 'SIZE', 'DTYPE', 'SHAPE', 'PID', 'UID', 'STATE', 'AGE'], rows));
  const dead = segments.filter((s) => s.liveness === 'dead').length;
  if (dead > 0) io.stdout.write(`\n${dead} dead segment(s): 'ndshare sweep' removes them.\n`);
  cachedNote(io);
  return 0;
};

/** Fetched Zarr arrays are files in the cache directory, not segments: counted here, listed by `fetch --list`. */
function cachedNote(io: CliIO): void {
  const cached = listCache();
  if (cached.length === 0) return;
  const bytes = cached.reduce((n, e) => n + e.size, 0);
  io.stdout.write(`\n${cached.length} fetched Zarr array(s) (${formatBytes(bytes)}) in ${cacheDir()}: 'ndshare fetch --list' lists them, 'ndshare fetch --evict-all' removes them.\n`);
}

function toJson(s: SegmentInfo) {
  return {
    name: s.name,
    path: s.path,
    size: s.size,
    dtype: s.header.state === 'ok' ? s.header.dtype : null,
    shape: s.header.state === 'ok' ? s.header.shape : null,
    ...(s.header.state === 'unreadable' ? { headerError: s.header.reason } : {}),
    pid: s.creatorPid,
    uid: s.uid,
    mode: `0${s.mode.toString(8).padStart(3, '0')}`,
    state: s.liveness,
    ageMs: Math.round(s.ageMs),
  };
}

const kRmUsage = `Usage: ndshare rm NAME [--force]

Removes one segment by name ('/ndshare-<pid>-<hex>', 'ndshare-...' or '/dev/shm/ndshare-...').
A segment that a live process holds is refused (EBUSY) unless --force: then only its name goes;
processes that mapped it keep their memory until they close it.
`;

/** `ndshare rm NAME [--force]` */
export const rm: Command = async (argv, io) => {
  const p = parse(argv, { force: { type: 'boolean', short: 'f' } }, 1, kRmUsage, io);
  if (p.state === 'usage') return 2;
  if (p.values['help']) {
    io.stdout.write(kRmUsage);
    return 0;
  }
  const [name] = p.positionals;
  if (name === undefined) {
    io.stderr.write(`Missing the segment NAME\n\n${kRmUsage}`);
    return 2;
  }
  const r = removeSegment(name, { force: p.values['force'] === true });
  io.stdout.write(`removed ${r.name}${r.wasLive ? ' (it was live: processes that mapped it keep their memory)' : ''}\n`);
  return 0;
};

const kSweepUsage = `Usage: ndshare sweep [--dry-run] [--json]

Removes every ndshare segment of this user that no process holds (its creator and every attacher
exited or died, even by SIGKILL). A segment any live process holds is never removed.
--dry-run lists what would be removed.
`;

/** `ndshare sweep [--dry-run] [--json]` */
export const sweep: Command = async (argv, io) => {
  const p = parse(argv, { 'dry-run': { type: 'boolean', short: 'n' }, json: { type: 'boolean' } }, 0, kSweepUsage, io);
  if (p.state === 'usage') return 2;
  if (p.values['help']) {
    io.stdout.write(kSweepUsage);
    return 0;
  }
  // The effective uid owns what this process creates, as sweepSegments() decides.
  const uid = process.geteuid?.();
  const removed = p.values['dry-run']
    ? listSegments()
        .filter((s) => s.liveness === 'dead' && s.uid === uid)
        .map((s) => s.name)
    : [...sweepSegments().removed];
  const remaining = segmentNames().length;
  if (p.values['json']) {
    io.stdout.write(`${JSON.stringify({ dryRun: p.values['dry-run'] === true, removed, remaining }, null, 2)}\n`);
    return 0;
  }
  const verb = p.values['dry-run'] ? 'would remove' : 'removed';
  for (const name of removed) io.stdout.write(`${verb} ${name}\n`);
  io.stdout.write(`${verb} ${removed.length} dead segment(s); ${remaining} segment(s) remain in /dev/shm\n`);
  return 0;
};

function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

function formatAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return `${[line(head), ...rows.map(line)].join('\n')}\n`;
}

