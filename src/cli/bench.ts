/**
 * `ndshare bench`: the study in one command. Everything heavy is imported only here, on demand,
 * so other subcommands start fast; the registry is loaded to list and describe the methods.
 */
import type { Command } from './command.js';

/** Runs the benchmark and prints the table (or Markdown), optionally writing the JSON report. */
export const bench: Command = async (argv, io) => {
  const { benchUsage, parseBenchArgs } = await import('../bench/options.js');
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(benchUsage);
    return 0;
  }
  if (argv.includes('--schema')) {
    const { reportSchema } = await import('../bench/schema.js');
    io.stdout.write(`${JSON.stringify(reportSchema, null, 2)}\n`);
    return 0;
  }
  const { METHODS } = await import('../methods/table.js');
  const args = parseBenchArgs(argv, METHODS.map((m) => m.name));
  const [{ runBench, countSteps }, { progressBar }, { renderTables }, { writeFileSync }] = await Promise.all([
    import('../bench/orchestrator.js'),
    import('../bench/progress.js'),
    import('../bench/table.js'),
    import('node:fs'),
  ]);
  const catalog = new Map(METHODS.map((m) => [m.name, m] as const));
  const progress = progressBar(io.stderr as NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, countSteps(args.options, catalog), args.quiet);
  const report = await runBench(args.options, catalog, argv, progress);
  progress.done();
  if (args.json !== null) writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
  io.stdout.write(renderTables(report, args.markdown));
  // Non-zero when any supported cell failed or timed out, so scripts notice.
  return report.rows.some((r) => r.outcome.state === 'failed' || r.outcome.state === 'timeout') ? 3 : 0;
};
