/** `ndshare bench-zarr`: Zarr publish and fetch throughput, ndshare against zarr-python, in one run. */
import { tmpdir } from 'node:os';
import type { Command } from './command.js';
import { parseCommandArgs } from './args.js';
import { EXIT } from './exit.js';
import { NdshareError } from '../errors.js';

const kUsage = `Usage: ndshare bench-zarr [options]

Publishes and fetches one float64 array to a file-system Zarr store, ndshare against zarr-python
doing the same in the same run (same data, chunks and compressor), and prints MB/s and the ratio.

Options:
  --size N            elements (default 1e8: 800 MB)
  --chunk N           elements per chunk (default 1e6: 8 MB)
  --compressors a,b   from none, zlib, gzip, blosc (default none,zlib)
  --repeats R         runs per side (default 3; the median is shown)
  --dir PATH          where the stores go (default the OS temp dir; a tmpfs measures no disk)
  --python PATH       the interpreter with zarr (default /usr/bin/python3)
  --timeout S         limit for zarr-python's side per compressor (default 900)
  --json FILE         write the raw times
  --markdown          print a Markdown table
  --quiet             no progress line
`;

/** `ndshare bench-zarr [options]` */
export const benchZarr: Command = {
  usage: kUsage,
  async parse(argv) {
    const { values } = parseCommandArgs('bench-zarr', argv, {
      size: { type: 'string' },
      chunk: { type: 'string' },
      compressors: { type: 'string' },
      repeats: { type: 'string' },
      dir: { type: 'string' },
      python: { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'string' },
      markdown: { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    const count = (key: 'size' | 'chunk' | 'repeats' | 'timeout', fallback: number): number => {
      const text = values[key];
      if (text === undefined) return fallback;
      const v = Number(text.replace(/_/g, ''));
      if (Number.isSafeInteger(v) && v >= 1) return v;
      throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', `Expected --${key} to be a positive integer such as 1e8 but received '${text}'`);
    };
    const n = count('size', 100_000_000);
    const chunk = count('chunk', 1_000_000);
    const repeats = count('repeats', 3);
    const timeout = count('timeout', 900);
    const { COMPRESSORS } = await import('../zarr/codecs.js');
    const compressors = (values.compressors ?? 'none,zlib').split(',');
    const unknown = compressors.filter((c) => !(COMPRESSORS as readonly string[]).includes(c));
    if (unknown.length > 0) throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', `Expected --compressors from ${COMPRESSORS.join(', ')} but received '${unknown.join(',')}'`);
    return async (io) => {
      const [{ runZarrBench, renderZarrBench }, { writeFileSync }] = await Promise.all([import('../bench/zarr-bench.js'), import('node:fs')]);
      const err = io.stderr;
      const tty = err.isTTY === true && values.quiet !== true;
      const report = await runZarrBench(
        {
          n,
          chunk,
          compressors: compressors as ('none' | 'zlib')[],
          repeats,
          dir: values.dir ?? tmpdir(),
          python: values.python ?? '/usr/bin/python3',
          timeoutMs: timeout * 1000,
        },
        (label) => {
          if (tty) err.write(`\r\x1b[Kbench-zarr: ${label}`);
        },
      );
      if (tty) err.write('\r\x1b[K');
      if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
      io.stdout.write(renderZarrBench(report, values.markdown === true));
      // A side that failed (zarr-python missing, a timeout): the table says which; the run failed.
      return report.rows.some((r) => 'error' in r.python) ? EXIT.failure : EXIT.ok;
    };
  },
};
