/**
 * `ndshare bench`: the study in one command. Everything heavy is imported only here, on demand,
 * so other subcommands start fast; the registry is loaded to list and describe the methods.
 */
import { benchUsage, parseBenchArgs } from '../bench/options.js';
import type { Command } from './command.js';
import { EXIT } from './exit.js';

/** Runs the benchmark and prints the table (or Markdown), optionally writing the JSON report. */
export const bench: Command = {
  usage: benchUsage,
  async parse(argv) {
    const [{ METHODS }, { countCells, countSteps, whyNoCells }, { NdshareError }] = await Promise.all([
      import('../methods/table.js'),
      import('../bench/orchestrator.js'),
      import('../errors.js'),
    ]);
    const args = parseBenchArgs(argv, METHODS.map((m) => m.name));
    const catalog = new Map(METHODS.map((m) => [m.name, m] as const));
    const why = args.schema || args.options.parallel || args.options.handoff === true ? null : whyNoCells(args.options, catalog);
    if (why !== null) throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', `Expected --methods and --kinds (or --threads) that run at least one cell but ${why}`);
    return async (io) => {
      if (args.schema) {
        const { reportSchema } = await import('../bench/schema.js');
        io.stdout.write(`${JSON.stringify(reportSchema, null, 2)}\n`);
        return EXIT.ok;
      }
      const [{ runBench }, { progressReporter }, { renderTables }, { styleFor }, { writeFileSync }] = await Promise.all([
        import('../bench/orchestrator.js'),
        import('../bench/progress.js'),
        import('../bench/table.js'),
        import('../bench/style.js'),
        import('node:fs'),
      ]);
      const mode = args.quiet ? 'off' : io.stderr.isTTY === true ? 'bar' : args.progress ? 'lines' : 'off';
      const handoff = args.options.handoff === true ? await import('../bench/handoff.js') : null;
      const steps = handoff ? handoff.countHandoffSteps(args.options) : countSteps(args.options, catalog);
      const shown = progressReporter(io.stderr, steps, mode, styleFor(io.stderr, io.env));
      // Steps that ended, for the message of an interrupted --handoff or --parallel run.
      let ended = 0;
      const progress: typeof shown = {
        ...shown,
        end: (how) => {
          ended++;
          shown.end(how);
        },
      };
      // Ctrl-C (SIGINT) or SIGTERM ends the running cell (and its children), then the finished
      // cells are reported. While these listeners are installed, neither signal kills the process.
      const interrupt = new AbortController();
      let stoppedBy: 'SIGINT' | 'SIGTERM' | null = null;
      const onSignal = (signal: 'SIGINT' | 'SIGTERM'): void => {
        stoppedBy ??= signal;
        interrupt.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      let report;
      try {
        report = handoff ? await handoff.runHandoffBench(args.options, argv, progress, interrupt.signal) : await runBench(args.options, catalog, argv, progress, interrupt.signal);
      } finally {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
        progress.done();
      }
      if (args.json !== null) writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
      io.stdout.write(renderTables(report, args.markdown, styleFor(io.stdout, io.env)));
      if (report.partial === true) {
        // The study counts its timed cells; --handoff and --parallel, which run no study cell,
        // count their steps (the progress lines).
        const cells = report.rows.filter((r) => r.impl === 'ndshare' && r.temperature === 'cold').reduce((sum, r) => sum + r.runs.length, 0);
        const done = handoff || args.options.parallel ? `${ended} of ${steps} step(s)` : `${cells} of ${countCells(args.options, catalog)} cell(s)`;
        const json = args.json === null ? '' : `; ${args.json} holds them, marked "partial": true`;
        const how = stoppedBy === 'SIGTERM' ? 'stopped by SIGTERM' : 'interrupted';
        io.stderr.write(`ndshare bench: ${how} after ${done}; the tables above hold the finished ones${json}\n`);
        return stoppedBy === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
      }
      // A failed or timed-out cell is a failure, so scripts notice.
      const bad = (o: { state: string }): boolean => o.state === 'failed' || o.state === 'timeout';
      const parallelBad = (report.parallel ?? []).some((p) => p.results.some((r) => bad(r.outcome)) || p.sharing.some((s) => bad(s.outcome)));
      const handoffBad = (report.handoff?.rows ?? []).some((r) => bad(r.outcome));
      return report.rows.some((r) => bad(r.outcome)) || parallelBad || handoffBad ? EXIT.failure : EXIT.ok;
    };
  },
};
