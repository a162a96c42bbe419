/**
 * `ndshare publish SOURCE URL` and `ndshare fetch URL`: arrays to and from Zarr stores, with a
 * progress line on a terminal (stderr). SOURCE is a segment name, a .npy file or a handle (JSON).
 */
import { parseArgs } from 'node:util';
import type { CliIO, Command } from './command.js';
import { attach, open } from '../core/attach.js';
import { segmentName } from '../core/admin.js';
import { kShmDir } from '../core/layout.js';
import type { NdArray } from '../core/ndarray.js';
import { NdshareError } from '../errors.js';
import type { TransferProgress } from '../zarr/publish.js';

type Spec = Record<string, { type: 'boolean' | 'string'; short?: string }>;

function parse(argv: string[], options: Spec, usage: string, io: CliIO) {
  try {
    const r = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { state: 'ok' as const, values: r.values as Record<string, string | boolean | undefined>, positionals: r.positionals };
  } catch (err) {
    io.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${usage}`);
    return { state: 'usage' as const };
  }
}

function usageError(io: CliIO, message: string, usage: string): number {
  io.stderr.write(`${message}\n\n${usage}`);
  return 2;
}

/** A byte-progress line on a terminal; nothing when stderr is piped. */
function progressLine(io: CliIO, verb: string): { update: (p: TransferProgress) => void; done: () => void } {
  const out = io.stderr as NodeJS.WritableStream & { isTTY?: boolean };
  if (out.isTTY !== true) return { update: () => {}, done: () => {} };
  const t0 = performance.now();
  let last = 0;
  return {
    update(p) {
      const now = performance.now();
      if (now - last < 100 && p.bytes < p.total) return;
      last = now;
      const mb = (n: number) => (n / 1e6).toFixed(0);
      const rate = p.bytes / 1e6 / Math.max(1e-3, (now - t0) / 1000);
      out.write(`\r\x1b[K${verb} ${Math.floor((100 * p.bytes) / Math.max(1, p.total))}% ${mb(p.bytes)}/${mb(p.total)} MB ${rate.toFixed(0)} MB/s`);
    },
    done: () => out.write('\r\x1b[K'),
  };
}

const kPublishUsage = `Usage: ndshare publish SOURCE URL [options]

Writes an array as a Zarr array that zarr-python, Dask and xarray read (docs/distributed.md).
SOURCE: a segment name ('/ndshare-<pid>-<hex>'), a .npy file, or a handle (JSON).
URL: a directory path or file:// URL (a network file system or a mounted bucket for other hosts).

Options:
  --chunks N|A,B,..   rows per chunk, or the whole chunk shape (default: ~8 MiB of whole rows)
  --compressor NAME   none (default), zlib, gzip, blosc
  --level N           compression level (0-9)
  --format 2|3        Zarr format (default 2: what zarr-python 2 and Dask read)
  --overwrite         replace a Zarr array already at URL (atomically)
  --json              print what was written as JSON
`;

function source(arg: string): NdArray {
  if (arg.trimStart().startsWith('{')) {
    let handle: unknown;
    try {
      handle = JSON.parse(arg);
    } catch {
      throw new NdshareError('ERR_NDSHARE_INVALID_HANDLE', `Expected a JSON handle for SOURCE but received text that does not parse`);
    }
    return attach(handle, { mode: 'r' });
  }
  if (/^(\/dev\/shm\/|\/)?ndshare-\d+-[0-9a-f]{32}$/.test(arg)) return open(`${kShmDir}${segmentName(arg)}`, { mode: 'r' });
  return open(arg, { mode: 'r' });
}

/** `ndshare publish SOURCE URL` */
export const publishCommand: Command = async (argv, io) => {
  const p = parse(argv, { chunks: { type: 'string' }, compressor: { type: 'string' }, level: { type: 'string' }, format: { type: 'string' }, overwrite: { type: 'boolean' }, json: { type: 'boolean' } }, kPublishUsage, io);
  if (p.state === 'usage') return 2;
  if (p.values['help']) {
    io.stdout.write(kPublishUsage);
    return 0;
  }
  const [from, url, extra] = p.positionals;
  if (from === undefined || url === undefined) return usageError(io, 'Missing SOURCE and URL', kPublishUsage);
  if (extra !== undefined) return usageError(io, `Unexpected argument '${extra}'`, kPublishUsage);
  const v = p.values;
  const chunksText = v['chunks'] as string | undefined;
  let chunks: number | number[] | undefined;
  if (chunksText !== undefined) {
    if (!/^\d+(,\d+)*$/.test(chunksText)) return usageError(io, `Expected --chunks N or A,B,... (positive integers) but received '${chunksText}'`, kPublishUsage);
    const list = chunksText.split(',').map(Number);
    chunks = list.length === 1 && !chunksText.includes(',') ? list[0] : list;
  }
  const level = v['level'] === undefined ? undefined : Number(v['level']);
  if (level !== undefined && !(Number.isInteger(level) && level >= 0 && level <= 9)) return usageError(io, `Expected --level 0-9 but received '${String(v['level'])}'`, kPublishUsage);
  const format = v['format'] === undefined ? undefined : Number(v['format']);
  if (format !== undefined && format !== 2 && format !== 3) return usageError(io, `Expected --format 2 or 3 but received '${String(v['format'])}'`, kPublishUsage);
  const compressor = v['compressor'] as string | undefined;
  const { publish, COMPRESSORS } = await import('../zarr/index.js');
  if (compressor !== undefined && !(COMPRESSORS as readonly string[]).includes(compressor)) return usageError(io, `Expected --compressor ${COMPRESSORS.join('|')} but received '${compressor}'`, kPublishUsage);
  const array = source(from);
  const bar = progressLine(io, 'publish');
  try {
    const r = await publish(array, url, {
      ...(chunks !== undefined ? { chunks } : {}),
      ...(compressor !== undefined ? { compressor: compressor as 'none' } : {}),
      ...(level !== undefined ? { level } : {}),
      ...(format !== undefined ? { format: format as 2 | 3 } : {}),
      overwrite: v['overwrite'] === true,
      onProgress: bar.update,
    });
    bar.done();
    if (v['json']) io.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    else io.stdout.write(`${r.url}\n`);
    return 0;
  } finally {
    bar.done();
    array.close();
  }
};

const kFetchUsage = `Usage: ndshare fetch URL [--rows START:STOP] [--missing-chunks fill] [--json]
       ndshare fetch --list [--json] | --evict URL | --evict-all

Reads a Zarr array (v2 or v3; zarr-python's or ndshare's) into this host's cache of fetched arrays
(/dev/shm/ndshare-cache-<uid>/) and prints the .npy path: every process of the host maps it
(numpy.load(path, mmap_mode='r'), or attach() the handle that --json prints). Fetching the same
unchanged array again maps the cached copy. Entries stay until a newer version is fetched, until
--evict/--evict-all, or until reboot (docs/distributed.md).

Options:
  --rows START:STOP       only these rows of the leading axis (only their chunks are read)
  --missing-chunks fill   a chunk the store lacks reads as the fill value (default: an error)
  --json                  print path, handle, dtype and shape as JSON
  --list                  list the cache; --evict URL removes that URL's entries; --evict-all all
`;

/** `ndshare fetch URL` */
export const fetchCommand: Command = async (argv, io) => {
  const p = parse(argv, { rows: { type: 'string' }, 'missing-chunks': { type: 'string' }, json: { type: 'boolean' }, list: { type: 'boolean' }, evict: { type: 'string' }, 'evict-all': { type: 'boolean' } }, kFetchUsage, io);
  if (p.state === 'usage') return 2;
  const v = p.values;
  if (v['help']) {
    io.stdout.write(kFetchUsage);
    return 0;
  }
  const zarr = await import('../zarr/index.js');
  const actions = ['list', 'evict', 'evict-all'].filter((k) => v[k] !== undefined);
  if (actions.length > 1 || (actions.length === 1 && p.positionals.length > 0)) return usageError(io, 'Expected one of URL, --list, --evict URL, --evict-all', kFetchUsage);
  if (v['list']) {
    const entries = zarr.listCache();
    if (v['json']) io.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    else if (entries.length === 0) io.stdout.write('No fetched arrays in the cache.\n');
    else for (const e of entries) io.stdout.write(`${e.path}  ${e.dtype} (${e.shape.join(', ')})${e.rows ? ` rows ${e.rows.join(':')}` : ''}  ${(e.size / 1e6).toFixed(1)} MB  ${e.url}\n`);
    return 0;
  }
  if (v['evict'] !== undefined || v['evict-all']) {
    const removed = zarr.evictCache(v['evict'] === undefined ? undefined : String(v['evict']));
    io.stdout.write(`removed ${removed.length} cached array(s)\n`);
    return 0;
  }
  const [url, extra] = p.positionals;
  if (url === undefined) return usageError(io, 'Missing the URL', kFetchUsage);
  if (extra !== undefined) return usageError(io, `Unexpected argument '${extra}'`, kFetchUsage);
  let rows: [number, number] | undefined;
  const rowsText = v['rows'] as string | undefined;
  if (rowsText !== undefined) {
    const m = /^(\d+):(\d+)$/.exec(rowsText);
    if (!m) return usageError(io, `Expected --rows START:STOP but received '${rowsText}'`, kFetchUsage);
    rows = [Number(m[1]), Number(m[2])];
  }
  const missing = v['missing-chunks'];
  if (missing !== undefined && missing !== 'fill' && missing !== 'error') return usageError(io, `Expected --missing-chunks fill or error but received '${String(missing)}'`, kFetchUsage);
  const bar = progressLine(io, 'fetch');
  const array = await zarr.fetchArray(url, { ...(rows ? { rows } : {}), ...(missing ? { missingChunks: missing as 'fill' } : {}), onProgress: bar.update }).finally(bar.done);
  try {
    if (v['json']) io.stdout.write(`${JSON.stringify({ path: array.path, handle: array.handle, dtype: array.dtype, shape: array.shape }, null, 2)}\n`);
    else io.stdout.write(`${array.path}\n`);
    return 0;
  } finally {
    array.close();
  }
};
