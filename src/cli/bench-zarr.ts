/** `ndshare bench-zarr`: Zarr publish and fetch throughput, ndshare against zarr-python, in one run. */
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import type { Command } from './command.js';

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
export const benchZarr: Command = async (argv, io) => {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
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
      },
    }).values;
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n\n${kUsage}`);
    return 2;
  }
  if (values['help']) {
    io.stdout.write(kUsage);
    return 0;
  }
  const count = (key: string, fallback: number): number | string => {
    const text = values[key];
    if (text === undefined) return fallback;
    const v = Number(String(text).replace(/_/g, ''));
    return Number.isSafeInteger(v) && v >= 1 ? v : `Expected --${key} to be a positive integer such as 1e8 but received '${String(text)}'`;
  };
  const n = count('size', 100_000_000);
  const chunk = count('chunk', 1_000_000);
  const repeats = count('repeats', 3);
  const timeout = count('timeout', 900);
  for (const v of [n, chunk, repeats, timeout]) {
    if (typeof v === 'string') {
      io.stderr.write(`${v}\n\n${kUsage}`);
      return 2;
    }
  }
  const { COMPRESSORS } = await import('../zarr/codecs.js');
  const compressors = String(values['compressors'] ?? 'none,zlib').split(',');
  const unknown = compressors.filter((c) => !(COMPRESSORS as readonly string[]).includes(c));
  if (unknown.length > 0 || compressors.length === 0) {
    io.stderr.write(`Expected --compressors from ${COMPRESSORS.join(', ')} but received '${unknown.join(',')}'\n\n${kUsage}`);
    return 2;
  }
  const [{ runZarrBench, renderZarrBench }, { writeFileSync }] = await Promise.all([import('../bench/zarr-bench.js'), import('node:fs')]);
  const err = io.stderr as NodeJS.WritableStream & { isTTY?: boolean };
  const tty = err.isTTY === true && values['quiet'] !== true;
  const report = await runZarrBench(
    {
      n: n as number,
      chunk: chunk as number,
      compressors: compressors as ('none' | 'zlib')[],
      repeats: repeats as number,
      dir: String(values['dir'] ?? tmpdir()),
      python: String(values['python'] ?? '/usr/bin/python3'),
      timeoutMs: (timeout as number) * 1000,
    },
    (label) => {
      if (tty) err.write(`\r\x1b[Kbench-zarr: ${label}`);
    },
  );
  if (tty) err.write('\r\x1b[K');
  if (typeof values['json'] === 'string') writeFileSync(values['json'], `${JSON.stringify(report, null, 2)}\n`);
  io.stdout.write(renderZarrBench(report, values['markdown'] === true));
  return report.rows.some((r) => 'error' in r.python) ? 3 : 0;
};
