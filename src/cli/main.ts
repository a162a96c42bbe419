/**
 * The `ndshare` command line: `main(argv)` returns the exit code; bin/ndshare.js only calls it.
 * Each subcommand lives in src/cli/ and is loaded on demand, so `ndshare ls` never pays for
 * the benchmark's imports.
 */
import { readFileSync } from 'node:fs';
import type { CliIO, Command } from './command.js';

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  bench: { summary: 'run the sharing benchmark (the study, side by side with NumPy)', load: async () => (await import('./bench.js')).bench },
  'bench-zarr': { summary: 'Zarr publish/fetch throughput, ndshare against zarr-python in the same run', load: async () => (await import('./bench-zarr.js')).benchZarr },
  report: { summary: 'render a benchmark JSON file as a self-contained HTML page', load: async () => (await import('./report.js')).report },
  ls: { summary: 'list ndshare segments in /dev/shm (size, dtype, shape, owner, live/dead, age)', load: async () => (await import('./segments.js')).ls },
  rm: { summary: 'remove one segment by name', load: async () => (await import('./segments.js')).rm },
  sweep: { summary: 'remove segments that no live process holds', load: async () => (await import('./segments.js')).sweep },
  publish: { summary: 'write a segment or .npy file as a Zarr array (read by zarr-python, Dask, other hosts)', load: async () => (await import('./zarr.js')).publishCommand },
  fetch: { summary: "read a Zarr array into this host's shared cache and print its path", load: async () => (await import('./zarr.js')).fetchCommand },
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: ndshare <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'ndshare <command> --help' for a command's options.\n`;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${version()}\n`);
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    io.stderr.write(`ndshare: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await entry.load())(rest, io);
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    const code = typeof e.code === 'string' ? `${e.code}: ` : '';
    io.stderr.write(`ndshare ${name}: ${code}${String(e.message ?? err)}\n`);
    return 1;
  }
}
