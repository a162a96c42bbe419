/**
 * Ctrl-C (SIGINT) or SIGTERM during `ndshare bench`: the running cell and its receiver are ended
 * and cleaned up, the table of the cells that finished is printed, --json is written for them
 * marked "partial": true, and the exit status is 130 (143 for SIGTERM). No segment, file or process is left behind.
 * Handshakes: progress lines (--progress, since stderr is a pipe here) say when cells finished;
 * then a segment created by a process of this run says a cell is in its handoff, so the
 * interrupt lands while it holds memory that must not leak.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { validate } from '../src/bench/schema.js';
import type { Report } from '../src/bench/types.js';
import { BenchSandbox, markedProcesses } from './helpers/bench.js';
import { deadline } from './helpers/channel.js';
import { BinProcess } from './helpers/cli.js';
import { ShmSnapshot } from './helpers/shm.js';

const kRepeats = 40;
/** Progress steps: the timed runs, then one untimed run that measures peak memory. */
const kSteps = kRepeats + 1;

/**
 * Resolves with a segment that a live process of the run (marked `mark`) created since `shm`;
 * polls until `stop` aborts (the caller's deadline).
 */
async function segmentOfTheRun(shm: ShmSnapshot, mark: string, stop: AbortSignal): Promise<string> {
  while (!stop.aborted) {
    const pids = markedProcesses(mark);
    const held = shm.added().find((n) => pids.includes(Number(/^ndshare-(\d+)-/.exec(n)?.[1])));
    if (held !== undefined) return held;
    await delay(5);
  }
  return '';
}

for (const [signal, status, said] of [
  ['SIGINT', 130, 'interrupted'],
  ['SIGTERM', 143, 'stopped by SIGTERM'],
] as const) test(`bench: ${signal} prints the finished cells, writes them as a partial report, exits ${status}, leaves nothing`, async () => {
  const box = new BenchSandbox();
  const shm = new ShmSnapshot();
  const out = mkdtempSync(join(tmpdir(), 'ndshare-interrupt-test-'));
  const json = join(out, 'report.json');
  try {
    const bench = new BinProcess(['bench', '--methods', 'shm', '--size', '1e4', '--repeats', String(kRepeats), '--no-warm', '--progress', '--dir', box.dir, '--json', json]);
    // Two cells have finished and the third has started: interrupt it.
    await bench.stderrMatches(new RegExp(`^\\[2/${kSteps}\\] shm process n=1e4 run 2/${kRepeats}: ok ETA ~\\S+$`, 'm'), 180_000);
    const stop = new AbortController();
    await deadline(segmentOfTheRun(shm, box.mark, stop.signal), 'a cell of the run to create its segment', 60_000, () => {
      stop.abort();
      bench.child.kill('SIGKILL');
    });
    bench.child.kill(signal);
    const r = await bench.exited();
    assert.equal(r.signal, null, r.stderr);
    assert.equal(r.code, status, r.stderr);
    const finished = Number(new RegExp(`^ndshare bench: ${said} after (\\d+) of ${kRepeats} cell\\(s\\); the tables above hold the finished ones; ${json} holds them, marked "partial": true$`, 'm').exec(r.stderr)?.[1]);
    assert.ok(finished >= 2 && finished < kRepeats, `finished cells: ${finished}\n${r.stderr}`);
    assert.match(r.stdout, /^Interrupted: partial results/m);
    assert.match(r.stdout, /^shm\s+process\s+cold\s+No\s.*\sok$/m);

    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    assert.deepEqual(validate(report), []);
    assert.equal(report.partial, true);
    assert.deepEqual(report.rows.map((row) => [row.method, row.temperature, row.runs.length, row.outcome.state]), [['shm', 'cold', finished, 'ok']]);
  } finally {
    rmSync(out, { recursive: true, force: true });
    assert.deepEqual(box.leftovers(), { segments: [], files: [], processes: [] });
  }
});
