/**
 * The `ndshare` command line: `main(argv)` returns the exit status (src/cli/exit.ts);
 * bin/ndshare.js only calls it. Each subcommand lives in src/cli/ and is loaded on demand, so
 * `ndshare ls` never pays for the benchmark's imports.
 */
import { readFileSync } from 'node:fs';
import type { CliIO, Command } from './command.js';
import { EXIT, type ExitStatus } from './exit.js';

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  bench: { summary: 'run the sharing benchmark (the study, side by side with NumPy)', load: async () => (await import('./bench.js')).bench },
  'bench-zarr': { summary: 'Zarr publish/fetch throughput, ndshare against zarr-python in the same run', load: async () => (await import('./bench-zarr.js')).benchZarr },
  report: { summary: 'check a benchmark JSON file and print its tables (or write an HTML page)', load: async () => (await import('./report.js')).report },
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
  return `Usage: ndshare <command> [options]
       ndshare --help | --version

Commands:
${lines.join('\n')}

Options:
  -h, --help     print this help (or a command's: 'ndshare <command> --help')
  -v, --version  print the version

Exit status: 0 success, 1 the command failed, 2 usage error (nothing was done),
130 interrupted (Ctrl-C), 143 stopped by SIGTERM.
`;
}

/** "CODE: message" of an error, for one line on stderr. */
function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? `${e.code}: ` : '';
  return `${code}${String(e?.message ?? err)}`;
}

/** Whether argv asks for help (before a '--', which ends the options). */
function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** Runs the CLI with `argv` (without node and script) and returns the exit status. */
export async function main(argv: string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr }): Promise<ExitStatus> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr.write(`ndshare: missing the command\n\n${usage()}`);
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${version()}\n`);
    return EXIT.ok;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    io.stderr.write(`ndshare: unknown ${name.startsWith('-') ? 'option' : 'command'} '${name}'\n\n${usage()}`);
    return EXIT.usage;
  }
  const command = await entry.load();
  if (wantsHelp(rest)) {
    io.stdout.write(command.usage);
    return EXIT.ok;
  }
  let run;
  try {
    run = await command.parse(rest);
  } catch (err) {
    io.stderr.write(`ndshare ${name}: ${describe(err)}\nRun 'ndshare ${name} --help' for its usage.\n`);
    return EXIT.usage;
  }
  try {
    return await run(io);
  } catch (err) {
    io.stderr.write(`ndshare ${name}: ${describe(err)}\n`);
    return EXIT.failure;
  }
}
