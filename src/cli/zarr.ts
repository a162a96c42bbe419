/**
 * `ndshare publish SOURCE URL` and `ndshare fetch URL`: arrays to and from Zarr stores, with a
 * progress line on a terminal (stderr). SOURCE is a segment name, a .npy file or a handle (JSON).
 */
import type { CliIO, Command } from './command.js';
import { parseCommandArgs } from './args.js';
import { EXIT } from './exit.js';
import { attach, open } from '../core/attach.js';
import { segmentName } from '../core/admin.js';
import { kShmDir } from '../core/layout.js';
import type { NdArray } from '../core/ndarray.js';
import { NdshareError } from '../errors.js';
import type { TransferProgress } from '../zarr/publish.js';

const help = { help: { type: 'boolean', short: 'h' } } as const;

/** A usage error of `ndshare publish` / `ndshare fetch` (exit 2, nothing done). */
function usageError(message: string): never {
  throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', message);
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
export const publishCommand: Command = {
  usage: kPublishUsage,
  async parse(argv) {
    const options = { chunks: { type: 'string' }, compressor: { type: 'string' }, level: { type: 'string' }, format: { type: 'string' }, overwrite: { type: 'boolean' }, json: { type: 'boolean' }, ...help } as const;
    const { values: v, positionals } = parseCommandArgs('publish', argv, options, 2);
    const [from, url] = positionals;
    if (from === undefined || url === undefined) usageError('Expected SOURCE and URL (ndshare publish SOURCE URL) but received fewer arguments');
    let chunks: number | number[] | undefined;
    if (v.chunks !== undefined) {
      if (!/^\d+(,\d+)*$/.test(v.chunks)) usageError(`Expected --chunks N or A,B,... (positive integers) but received '${v.chunks}'`);
      const list = v.chunks.split(',').map(Number);
      chunks = list.length === 1 ? list[0] : list;
    }
    const level = v.level === undefined ? undefined : Number(v.level);
    if (level !== undefined && !(Number.isInteger(level) && level >= 0 && level <= 9)) usageError(`Expected --level 0-9 but received '${String(v.level)}'`);
    const format = v.format === undefined ? undefined : Number(v.format);
    if (format !== undefined && format !== 2 && format !== 3) usageError(`Expected --format 2 or 3 but received '${String(v.format)}'`);
    const { publish, COMPRESSORS } = await import('../zarr/index.js');
    const compressor = v.compressor;
    if (compressor !== undefined && !(COMPRESSORS as readonly string[]).includes(compressor)) usageError(`Expected --compressor ${COMPRESSORS.join('|')} but received '${compressor}'`);
    return async (io) => {
      const array = source(from);
      const bar = progressLine(io, 'publish');
      try {
        const r = await publish(array, url, {
          ...(chunks !== undefined ? { chunks } : {}),
          ...(compressor !== undefined ? { compressor: compressor as 'none' } : {}),
          ...(level !== undefined ? { level } : {}),
          ...(format !== undefined ? { format: format as 2 | 3 } : {}),
          overwrite: v.overwrite === true,
          onProgress: bar.update,
        });
        bar.done();
        io.stdout.write(v.json === true ? `${JSON.stringify(r, null, 2)}\n` : `${r.url}\n`);
        return EXIT.ok;
      } finally {
        bar.done();
        array.close();
      }
    };
  },
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
export const fetchCommand: Command = {
  usage: kFetchUsage,
  async parse(argv) {
    const options = { rows: { type: 'string' }, 'missing-chunks': { type: 'string' }, json: { type: 'boolean' }, list: { type: 'boolean' }, evict: { type: 'string' }, 'evict-all': { type: 'boolean' }, ...help } as const;
    const { values: v, positionals } = parseCommandArgs('fetch', argv, options, 1);
    const actions = (['list', 'evict', 'evict-all'] as const).filter((k) => v[k] !== undefined);
    if (actions.length > 1 || (actions.length === 1 && positionals.length > 0)) usageError('Expected one of URL, --list, --evict URL, --evict-all but received more than one');
    const zarr = await import('../zarr/index.js');
    if (v.list === true) {
      return async (io) => {
        const entries = zarr.listCache();
        if (v.json === true) io.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
        else if (entries.length === 0) io.stdout.write('No fetched arrays in the cache.\n');
        else for (const e of entries) io.stdout.write(`${e.path}  ${e.dtype} (${e.shape.join(', ')})${e.rows ? ` rows ${e.rows.join(':')}` : ''}  ${(e.size / 1e6).toFixed(1)} MB  ${e.url}\n`);
        return EXIT.ok;
      };
    }
    if (v.evict !== undefined || v['evict-all'] === true) {
      const which = v.evict;
      return async (io) => {
        const removed = zarr.evictCache(which);
        io.stdout.write(`removed ${removed.length} cached array(s)\n`);
        return EXIT.ok;
      };
    }
    const [url] = positionals;
    if (url === undefined) usageError('Expected a URL (ndshare fetch URL) but received none');
    let rows: [number, number] | undefined;
    if (v.rows !== undefined) {
      const m = /^(\d+):(\d+)$/.exec(v.rows);
      if (!m) usageError(`Expected --rows START:STOP but received '${v.rows}'`);
      rows = [Number(m[1]), Number(m[2])];
    }
    const missing = v['missing-chunks'];
    if (missing !== undefined && missing !== 'fill' && missing !== 'error') usageError(`Expected --missing-chunks fill or error but received '${missing}'`);
    return async (io) => {
      const bar = progressLine(io, 'fetch');
      const array = await zarr.fetchArray(url, { ...(rows ? { rows } : {}), ...(missing ? { missingChunks: missing } : {}), onProgress: bar.update }).finally(bar.done);
      try {
        io.stdout.write(v.json === true ? `${JSON.stringify({ path: array.path, handle: array.handle, dtype: array.dtype, shape: array.shape }, null, 2)}\n` : `${array.path}\n`);
        return EXIT.ok;
      } finally {
        array.close();
      }
    };
  },
};
