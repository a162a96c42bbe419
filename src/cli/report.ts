/** `ndshare report FILE.json [--html out.html] [--markdown]`: renders a saved benchmark report. */
import type { Command } from './command.js';

const usage = `Usage: ndshare report FILE.json [--html OUT.html] [--markdown]

Checks FILE.json against the report schema, then prints its tables (or Markdown) and, with
--html, writes a self-contained page (no network needed) with the charts.
`;

/** Validates and renders a `ndshare bench --json` file. */
export const report: Command = async (argv, io) => {
  const { parseArgs } = await import('node:util');
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { html: { type: 'string' }, markdown: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    io.stdout.write(usage);
    return 0;
  }
  const [file, ...extra] = positionals;
  const { invalid, NdshareError } = await import('../errors.js');
  if (file === undefined || extra.length > 0) invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'exactly one report file', 'ndshare report', positionals.length === 0 ? undefined : positionals);
  const [{ readFileSync, writeFileSync }, { validate }, { renderTables }, { renderHtml }] = await Promise.all([
    import('node:fs'),
    import('../bench/schema.js'),
    import('../bench/table.js'),
    import('../bench/html.js'),
  ]);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file as string, 'utf8'));
  } catch (err) {
    throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', `Expected a JSON report written by 'ndshare bench --json' for ndshare report but could not read ${file}: ${(err as Error).message}`, { cause: err });
  }
  const problems = validate(data);
  if (problems.length > 0) {
    throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', `Expected a report matching the ndshare-bench/1 schema for ndshare report but received ${problems.length} problem(s): ${problems.slice(0, 5).join('; ')}`);
  }
  const parsed = data as import('../bench/types.js').Report;
  if (values.html !== undefined) writeFileSync(values.html, renderHtml(parsed));
  io.stdout.write(renderTables(parsed, values.markdown));
  return 0;
};
