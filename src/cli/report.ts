/** `ndshare report FILE.json [--html OUT.html] [--markdown]`: renders a saved benchmark report. */
import type { Command } from './command.js';
import { EXIT } from './exit.js';
import { parseCommandArgs } from './args.js';

/** Checks and renders a `ndshare bench --json` file. */
export const report: Command = {
  usage: `Usage: ndshare report FILE.json [--html OUT.html] [--markdown]

Checks FILE.json against the report schema ('ndshare bench --schema'), then prints its tables
(or Markdown) and, with --html, writes a self-contained page (no network needed) with the charts.
An invalid file is refused with every problem listed (exit 1).

Options:
  --html OUT.html  also write the HTML page
  --markdown       print Markdown tables
`,
  async parse(argv) {
    const { values, positionals } = parseCommandArgs(
      'report',
      argv,
      { html: { type: 'string' }, markdown: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      1,
    );
    const [given] = positionals;
    const { invalid, NdshareError } = await import('../errors.js');
    const file = given ?? invalid('ERR_NDSHARE_INVALID_ARGUMENT', "the report FILE.json (written by 'ndshare bench --json FILE.json')", 'ndshare report', undefined);
    return async (io) => {
      const [{ readFileSync, writeFileSync }, { validate }, { renderTables }, { renderHtml }, { styleFor }] = await Promise.all([
        import('node:fs'),
        import('../bench/schema.js'),
        import('../bench/table.js'),
        import('../bench/html.js'),
        import('../bench/style.js'),
      ]);
      let data: unknown;
      try {
        data = JSON.parse(readFileSync(file, 'utf8'));
      } catch (err) {
        throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', `Expected a JSON report written by 'ndshare bench --json' for ndshare report but could not read ${file}: ${(err as Error).message}`, { cause: err });
      }
      const problems = validate(data);
      if (problems.length > 0) {
        // Every problem, one per line: the count and the list always agree.
        io.stderr.write(
          `ndshare report: ERR_NDSHARE_INVALID_ARGUMENT: Expected a report matching the ndshare-bench/1 schema but ${file} has ${problems.length} problem(s):\n` +
            problems.map((p) => `  ${p}\n`).join(''),
        );
        return EXIT.failure;
      }
      const parsed = data as import('../bench/types.js').Report;
      if (values.html !== undefined) writeFileSync(values.html, renderHtml(parsed));
      io.stdout.write(renderTables(parsed, values.markdown === true, styleFor(io.stdout, io.env)));
      return EXIT.ok;
    };
  },
};
