/** `ndshare ls`, `ndshare rm NAME`, `ndshare sweep`: look after the segments in /dev/shm. */
import type { CliIO, Command } from './command.js';
import { EXIT } from './exit.js';
import { parseCommandArgs } from './args.js';
import { invalid } from '../errors.js';
import { listSegments, removeSegment, segmentName, sweepSegments } from '../core/admin.js';
import { segmentNames } from '../core/sweep.js';
import { cacheDir, listCache } from '../zarr/cache.js';

const help = { help: { type: 'boolean', short: 'h' } } as const;

/** `ndshare ls [--json]` */
export const ls: Command = {
  usage: `Usage: ndshare ls [--json]

Lists ndshare segments in /dev/shm: name, size, dtype and shape (from the .npy header), creator
pid (from the name) and owner uid, live (a process holds it) or dead (sweep will remove it), age.

Options:
  --json  print the segments as JSON: an array of listSegments()'s objects, oldest first
          ({ name, path, size, header, creatorPid, uid, mode, liveness, ageMs })
`,
  async parse(argv) {
    const { values } = parseCommandArgs('ls', argv, { json: { type: 'boolean' }, ...help });
    return async (io) => {
      const segments = listSegments();
      if (values.json === true) {
        // Exactly the library's objects, so that scripts and the API see one shape.
        io.stdout.write(`${JSON.stringify(segments, null, 2)}\n`);
        return EXIT.ok;
      }
      if (segments.length === 0) {
        io.stdout.write('No ndshare segments in /dev/shm.\n');
        cachedNote(io);
        return EXIT.ok;
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
      return EXIT.ok;
    };
  },
};

/** Fetched Zarr arrays are files in the cache directory, not segments: counted here, listed by `fetch --list`. */
function cachedNote(io: CliIO): void {
  const cached = listCache();
  if (cached.length === 0) return;
  const bytes = cached.reduce((n, e) => n + e.size, 0);
  io.stdout.write(`\n${cached.length} fetched Zarr array(s) (${formatBytes(bytes)}) in ${cacheDir()}: 'ndshare fetch --list' lists them, 'ndshare fetch --evict-all' removes them.\n`);
}

/** `ndshare rm NAME [--force]` */
export const rm: Command = {
  usage: `Usage: ndshare rm NAME [--force]

Removes one segment by name ('/ndshare-<pid>-<hex>', 'ndshare-...' or '/dev/shm/ndshare-...').
A segment that a live process holds is refused (EBUSY) unless --force: then only its name goes;
processes that mapped it keep their memory until they close it.

Options:
  -f, --force  remove the name even if a process holds the segment
`,
  async parse(argv) {
    const { values, positionals } = parseCommandArgs('rm', argv, { force: { type: 'boolean', short: 'f' }, ...help }, 1);
    const [raw] = positionals;
    if (raw === undefined) invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'the segment NAME to remove', 'ndshare rm', undefined);
    // A name that cannot be a segment's is a usage error; a segment that is missing or live is a failure.
    const name = segmentName(raw);
    return async (io) => {
      const r = removeSegment(name, { force: values.force === true });
      io.stdout.write(`removed ${r.name}${r.wasLive ? ' (it was live: processes that mapped it keep their memory)' : ''}\n`);
      return EXIT.ok;
    };
  },
};

/** `ndshare sweep [--dry-run] [--json]` */
export const sweep: Command = {
  usage: `Usage: ndshare sweep [--dry-run] [--json]

Removes every ndshare segment of this user that no process holds (its creator and every attacher
exited or died, even by SIGKILL). A segment any live process holds is never removed.

Options:
  -n, --dry-run  list what would be removed, remove nothing
  --json         print { dryRun, removed: [names], remaining: count of segments left }
`,
  async parse(argv) {
    const { values } = parseCommandArgs('sweep', argv, { 'dry-run': { type: 'boolean', short: 'n' }, json: { type: 'boolean' }, ...help });
    const dryRun = values['dry-run'] === true;
    return async (io) => {
      // The effective uid owns what this process creates, as sweepSegments() decides.
      const uid = process.geteuid?.();
      const removed = dryRun
        ? listSegments()
            .filter((s) => s.liveness === 'dead' && s.uid === uid)
            .map((s) => s.name)
        : [...sweepSegments().removed];
      const remaining = segmentNames().length;
      if (values.json === true) {
        io.stdout.write(`${JSON.stringify({ dryRun, removed, remaining }, null, 2)}\n`);
        return EXIT.ok;
      }
      const verb = dryRun ? 'would remove' : 'removed';
      for (const name of removed) io.stdout.write(`${verb} ${name}\n`);
      io.stdout.write(`${verb} ${removed.length} dead segment(s); ${remaining} segment(s) remain in /dev/shm\n`);
      return EXIT.ok;
    };
  },
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

