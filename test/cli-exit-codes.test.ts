/**
 * `ndshare` exit statuses, through the real binary: every usage error exits 2 with nothing on
 * stdout and a pointer to the help on stderr; success exits 0; a command that ran and failed exits 1.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { runBin } from './helpers/cli.js';

const absent = `/ndshare-1-${randomBytes(16).toString('hex')}`;

test('cli: every usage error exits 2 and says what was wrong', () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /missing the command[\s\S]*Usage: ndshare <command>/],
    [['bogus'], /unknown command 'bogus'/],
    [['--bogus'], /unknown option '--bogus'/],
    [['bench', '--bogus'], /ERR_NDSHARE_INVALID_ARGUMENT: Expected options listed by 'ndshare bench --help' but Unknown option '--bogus'/],
    [['bench', '--size', 'big'], /Expected a positive integer such as 1e8 or 100000 for --size/],
    [['bench', '--methods', 'transfer'], /lacks the selected kind \(process\): transfer runs only as thread \(add --threads\)/],
    [['bench', '--methods', 'pipe', '--threads'], /pipe runs only as process \(add --kinds process\)/],
    [['report'], /Expected the report FILE\.json/],
    [['report', 'a.json', 'b.json'], /Expected at most 1 argument\(s\) for ndshare report but received 2/],
    [['rm'], /Expected the segment NAME to remove/],
    [['rm', 'NAME'], /Expected an ndshare segment name like/],
    [['ls', '--bogus'], /Unknown option '--bogus'/],
    [['ls', 'extra'], /Unexpected argument 'extra'/],
    [['sweep', '--bogus'], /Unknown option '--bogus'/],
  ];
  for (const [args, message] of cases) {
    const r = runBin(args);
    const what = `ndshare ${args.join(' ')}`;
    assert.equal(r.code, 2, `${what}: ${r.stderr}`);
    assert.equal(r.stdout, '', what);
    assert.match(r.stderr, message, what);
    if (args.length > 0 && !args[0]?.startsWith('-') && args[0] !== 'bogus') assert.match(r.stderr, new RegExp(`Run 'ndshare ${args[0]} --help'`), what);
  }
});

test('cli: success exits 0; a command that ran and failed exits 1', () => {
  const cases: Array<[string[], number, RegExp]> = [
    [['--help'], 0, /Usage: ndshare/],
    [['help'], 0, /Usage: ndshare/],
    [['--version'], 0, /^\d+\.\d+\.\d+/],
    [['bench', '--help'], 0, /Usage: ndshare bench/],
    [['bench', '--schema'], 0, /"\$schema"/],
    [['rm', '--help'], 0, /Usage: ndshare rm NAME/],
    [['ls', '--json'], 0, /^\[/],
    [['sweep', '--dry-run'], 0, /would remove/],
    [['report', '/nonexistent-dir/report.json'], 1, /could not read \/nonexistent-dir\/report\.json: ENOENT/],
    [['rm', absent], 1, /ENOENT: Expected an existing segment for removal/],
  ];
  for (const [args, code, output] of cases) {
    const r = runBin(args);
    const what = `ndshare ${args.join(' ')}`;
    assert.equal(r.code, code, `${what}: ${r.stderr}`);
    assert.match(code === 0 ? r.stdout : r.stderr, output, what);
  }
});
