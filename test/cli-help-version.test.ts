/** `ndshare --help` lists every command and both global options; `--version` prints package.json's version. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { runBin } from './helpers/cli.js';

test('cli: --help lists the commands, --help and --version, and the exit statuses', () => {
  const help = runBin(['--help']);
  assert.equal(help.code, 0, help.stderr);
  for (const command of ['bench', 'report', 'ls', 'rm', 'sweep']) assert.match(help.stdout, new RegExp(`^  ${command}\\s`, 'm'));
  assert.match(help.stdout, /^ {2}-v, --version\s+print the version$/m);
  assert.match(help.stdout, /^ {2}-h, --help\s/m);
  assert.match(help.stdout, /0 success, 1 the command failed, 2 usage error/);
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  for (const flag of ['--version', '-v']) assert.deepEqual(runBin([flag]), { code: 0, signal: null, stdout: `${pkg.version}\n`, stderr: '' });
});
