/**
 * Helpers for the benchmark's tests: run `ndshare bench` in-process with captured output, in a
 * private temp directory, with a marker in the environment so that every process the run started
 * (cells, receivers, Python) can be found afterwards, and check that nothing was left behind.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import assert from 'node:assert/strict';
import { main } from '../../src/cli/main.js';
import { METHODS } from '../../src/share/index.js';
import type { MethodName } from '../../src/methods/table.js';
import type { Kind } from '../../src/methods/types.js';
import type { Report } from '../../src/bench/types.js';
import { ShmSnapshot } from './shm.js';
import { alive } from './process.js';

/** Captured result of one `main()` call. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the CLI in this process and captures what it writes. Without the color variables: node's
 * test runner sets FORCE_COLOR=1 for test files when it reports to a color terminal.
 */
export async function runCli(argv: string[]): Promise<CliRun> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c: Buffer) => (stdout += c.toString()));
  err.on('data', (c: Buffer) => (stderr += c.toString()));
  const env = { ...process.env };
  delete env['FORCE_COLOR'];
  delete env['NO_COLOR'];
  const code = await main(argv, { stdout: out, stderr: err, env });
  return { code, stdout, stderr };
}

/** "impl method kind n temperature: outcome" for every row that failed or timed out (for messages). */
export function failures(report: Report): string[] {
  return report.rows
    .filter((r) => r.outcome.state === 'failed' || r.outcome.state === 'timeout')
    .map((r) => `${r.impl} ${r.method} ${r.kind} n=${r.n} ${r.temperature}: ${JSON.stringify(r.outcome)}`);
}

/** Pids of live processes whose environment holds `NDSHARE_TEST_MARK=<mark>`. */
export function markedProcesses(mark: string): number[] {
  const needle = `NDSHARE_TEST_MARK=${mark}`;
  const pids: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${e}/environ`, 'latin1').split('\0').includes(needle)) pids.push(Number(e));
    } catch {
      // Exited while we looked, or not ours to read.
    }
  }
  return pids;
}

/** A sandbox for one benchmark run: its directory, its marker, and the leak checks. */
export class BenchSandbox {
  readonly dir = mkdtempSync(join(tmpdir(), 'ndshare-bench-test-'));
  readonly mark = randomBytes(8).toString('hex');
  readonly #shm = new ShmSnapshot();
  readonly #prevMark = process.env['NDSHARE_TEST_MARK'];

  constructor() {
    // Cells inherit this environment, and pass it on to their receivers.
    process.env['NDSHARE_TEST_MARK'] = this.mark;
  }

  /** Runs `ndshare bench ARGS --dir <sandbox> --json <sandbox>/report.json --quiet`; returns output and report. */
  async bench(args: string[]): Promise<CliRun & { report: Report }> {
    const json = join(this.dir, 'report.json');
    const run = await runCli(['bench', ...args, '--dir', this.dir, '--json', json, '--quiet']);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    rmSync(json);
    return { ...run, report };
  }

  /**
   * What the run left behind: segments whose creator is dead, files in the sandbox directory,
   * and live processes carrying the marker. Removes the directory.
   */
  leftovers(): { segments: string[]; files: string[]; processes: number[] } {
    const segments = this.#shm.added().filter((n) => {
      // Python reference segments are 'ndshare-ref-<pid>-...': a live creator is another run's.
      const pid = Number(/^ndshare-(?:ref-)?(\d+)-/.exec(n)?.[1]);
      return pid !== process.pid && !alive(pid);
    });
    const files = readdirSync(this.dir);
    const processes = markedProcesses(this.mark);
    rmSync(this.dir, { recursive: true, force: true });
    if (this.#prevMark === undefined) delete process.env['NDSHARE_TEST_MARK'];
    else process.env['NDSHARE_TEST_MARK'] = this.#prevMark;
    return { segments, files, processes };
  }
}

/**
 * The smoke run of every registry method for one kind, at 1e4 float64 with --verify: each supported
 * method completes (phases timed, the child confirming the full checksum), each unsupported one
 * says why, `warmMethods` also run warm from the segment pool, and nothing is left behind.
 */
export async function smokeEveryMethod(kind: Kind, warmMethods: readonly MethodName[], extra: readonly string[] = []): Promise<void> {
  const box = new BenchSandbox();
  const { code, stdout, stderr, report } = await box.bench(['--size', '1e4', '--repeats', '1', '--verify', ...(kind === 'thread' ? ['--threads'] : []), ...extra]);
  const left = box.leftovers();
  assert.equal(stderr, '');
  assert.deepEqual(failures(report), []);
  const cold = report.rows.filter((r) => r.impl === 'ndshare' && r.temperature === 'cold');
  assert.deepEqual(cold.map((r) => r.method), METHODS.map((m) => m.name), 'one cold row per registry method, in order');
  for (const row of cold) {
    const info = METHODS.find((m) => m.name === row.method);
    assert.ok(info);
    assert.equal(row.kind, kind);
    const support = info.kinds[kind];
    if (!support.supported) {
      assert.deepEqual(row.outcome, { state: 'unsupported', why: support.why });
      continue;
    }
    assert.deepEqual(row.outcome, { state: 'ok' }, `${row.method}: ${JSON.stringify(row.outcome)}`);
    assert.equal(row.runs.length, 1);
    const run = row.runs[0];
    assert.ok(run?.state === 'ok' && run.total > 0 && (run.handoff ?? 0) > 0, `${row.method}: phases`);
    // A child process reports its own peak memory; a worker's memory is the cell's own.
    if (kind === 'process') assert.ok((run.peakChildKiB ?? 0) > 0, `${row.method}: the child's peak memory`);
    else assert.equal(run.peakChildKiB, 0, `${row.method}: a worker's memory is the cell's own`);
    assert.match(stdout, new RegExp(`^${row.method}\\s+${kind}\\s+cold\\s+(Yes|No)\\s.*\\sok$`, 'm'));
  }
  const warm = report.rows.filter((r) => r.temperature === 'warm').map((r) => r.method);
  for (const m of warmMethods) assert.ok(warm.includes(m), `warm row for ${m}`);
  assert.equal(code, 0);
  assert.deepEqual(left, { segments: [], files: [], processes: [] });
}
