#!/usr/bin/env node
// Runs the compiled test suite with node:test and then checks that the suite left /dev/shm as it
// found it: a leaked ndshare segment fails the run even if every test passed.
// Test files are dist/test/**/*.test.js; helpers and fixtures beside them are not tests.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return testFiles(p);
    return e.name.endsWith('.test.js') ? [p] : [];
  });
}

// The backstop behind the helpers' own deadlines (60 s per message, 240 s per private-/dev/shm
// run): a wait nobody bounded still ends, as a failure naming its file (Node 20 and 22 apply the
// limit to each file) or its test (Node 24 and 26 apply it to each test). Either way TAP counts it
// as '# cancelled', not '# fail'; the exit code is 1. A normal run's longest file takes 30 to 45 s
// (reliability-crash-creator, a single test); this leaves room for a loaded machine.
const kTestTimeoutMs = 300_000;
// Where the limit applies to each test, the timed-out test's handles (a child, a timer) would
// still keep its file's process alive after the last test: --test-force-exit ends it once every
// test has an outcome. Not on Node 20 and 22, whose limit ends the whole file anyway; on Node 20
// the flag was seen to wedge the runner itself (3 of about 50 runs of a file with a large failure
// report: spinning, deaf to SIGTERM). Children and workers started through the test helpers are
// stopped, and reported, by the helpers themselves when their test ends.
const forceExit = Number(process.versions.node.split('.')[0]) >= 24 ? ['--test-force-exit'] : [];

// TAP, explicitly, on every Node version: CI reads its closing '# pass N' / '# fail N' lines, and
// the default reporter is TAP only on Node 20 without a terminal ('spec' on Node >= 23).
// Options given here (--test-reporter=spec, --test-name-pattern=x: one argument each) go before
// the files and replace these defaults.
const args = process.argv.slice(2);
const options = args.filter((a) => a.startsWith('--'));
const given = (name) => options.some((o) => o === name || o.startsWith(`${name}=`));
const defaults = [
  given('--test-reporter') ? [] : ['--test-reporter=tap'],
  given('--test-timeout') ? [] : [`--test-timeout=${kTestTimeoutMs}`],
  given('--test-force-exit') ? [] : forceExit,
].flat();
const named = args.filter((a) => !a.startsWith('--'));
const files = named.length ? named : testFiles('dist/test').sort();

const ours = () => new Set(readdirSync('/dev/shm').filter((n) => n.startsWith('ndshare-')));
const before = ours();
const run = spawnSync(process.execPath, ['--test', ...defaults, ...options, ...files], { stdio: 'inherit' });
// A name whose creator (the pid in the name) still runs belongs to that process, not to this
// suite, whose processes have all ended by now: another program on the machine, not a leak.
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
};
const creatorAlive = (n) => {
  const pid = Number(/^ndshare-(\d+)-/.exec(n)?.[1] ?? 0);
  return pid > 0 && alive(pid);
};
const leaked = [...ours()].filter((n) => !before.has(n) && !creatorAlive(n));
if (leaked.length > 0) {
  console.error(`\n/dev/shm leak check: FAILED, ${leaked.length} ndshare segment(s) left behind:\n  ${leaked.join('\n  ')}`);
  process.exit(1);
}
console.log('/dev/shm leak check: ok (no ndshare segment left behind)');
process.exit(run.status ?? 1);
