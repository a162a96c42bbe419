/**
 * `ndshare report FILE.json --html OUT` (a real spawn of bin/ndshare.js) writes a page that headless
 * Chromium renders offline with its charts drawn: the page's own script counts the chart marks
 * that have a laid-out box. The study's bars and sweep lines, `--parallel`'s speedup lines and
 * `--handoff`'s bars, each from a real run. Negative control: a report with no measured time draws no chart.
 *
 * Needs a Chromium (CHROME_PATH, or chromium, chromium-browser or google-chrome on PATH). Without
 * one the test is reported as skipped, with the reason, so a newcomer's `npm test` passes; CI sets
 * NDSHARE_REQUIRE_CHROMIUM=1 (.ci/run), which turns the missing browser into a failure.
 */
import assert from 'node:assert/strict';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Report } from '../src/bench/types.js';
import { BenchSandbox } from './helpers/bench.js';
import { runSync } from './helpers/process.js';
import { onceOnMainNode } from './helpers/matrix.js';

const bin = fileURLToPath(new URL('../../bin/ndshare.js', import.meta.url));
const kBrowserNames = ['chromium', 'chromium-browser', 'google-chrome'];

/** An executable regular file at `path`. */
function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The browser to use: CHROME_PATH when set (it must be executable), else the first of kBrowserNames on PATH. */
function findChromium(env: NodeJS.ProcessEnv = process.env): { state: 'found'; path: string } | { state: 'missing'; why: string } {
  const chosen = env['CHROME_PATH'];
  if (chosen !== undefined && chosen !== '') {
    return isExecutable(chosen) ? { state: 'found', path: chosen } : { state: 'missing', why: `CHROME_PATH=${chosen} is not an executable file` };
  }
  const dirs = (env['PATH'] ?? '').split(delimiter).filter((d) => isAbsolute(d));
  for (const name of kBrowserNames) {
    for (const dir of dirs) if (isExecutable(join(dir, name))) return { state: 'found', path: join(dir, name) };
  }
  return { state: 'missing', why: `no ${kBrowserNames.join(', ')} on PATH and no CHROME_PATH` };
}

/** Renders `html` in headless Chromium (`browser`) and returns the <body> attributes after load. */
function renderInChromium(browser: string, html: string): { drawn: number; charts: number } {
  const profile = mkdtempSync(join(tmpdir(), 'ndshare-chromium-'));
  try {
    const r = runSync(
      `headless chromium to render ${html}`,
      browser,
      ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`, '--dump-dom', `file://${html}`],
      { timeout: 90_000 },
    );
    assert.equal(r.error, undefined, `${browser} did not run: ${String(r.error)}`);
    const body = /<body[^>]*>/.exec(r.stdout)?.[0] ?? '';
    return { drawn: Number(/data-drawn="(\d+)"/.exec(body)?.[1] ?? NaN), charts: Number(/data-charts="(\d+)"/.exec(body)?.[1] ?? NaN) };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

test('report --html: bars (ndshare vs NumPy) and sweep lines are drawn in headless Chromium', { skip: onceOnMainNode('headless Chromium drawing the report') }, async (t) => {
  const browser = browserOrSkip(t);
  if (browser === null) return;
  const box = new BenchSandbox();
  try {
    const { report } = await box.bench(['--methods', 'shm,pipe', '--size', '1e3,1e4', '--repeats', '1', '--python']);
    const drawn = drawReport(browser, report);
    assert.match(drawn.stdout, /^shm\s+process\s+cold/m);
    assert.doesNotMatch(drawn.page, /<(script|link|img)[^>]+(src|href)=/i, 'self-contained: nothing loaded from elsewhere');
    // Bars at the largest size: ndshare cold + warm for shm, cold for pipe, NumPy cold + warm for both (7);
    // lines: ndshare and NumPy for each of the two methods (4).
    assert.deepEqual({ drawn: drawn.drawn, charts: drawn.charts }, { drawn: 11, charts: 2 });

    // Negative control: the same report with every time removed draws nothing.
    const empty: Report = { ...report, rows: report.rows.map((r) => ({ ...r, runs: [], min: null, median: null, max: null, outcome: { state: 'failed', error: 'x' } })) };
    const none = drawReport(browser, empty);
    assert.deepEqual({ drawn: none.drawn, charts: none.charts }, { drawn: 0, charts: 0 });
  } finally {
    assert.deepEqual(box.leftovers(), { segments: [], files: [], processes: [] });
  }
});

/** Writes `report` as JSON, renders it with `ndshare report --html` and draws it in `browser`. */
function drawReport(browser: string, report: Report): { drawn: number; charts: number; page: string; stdout: string } {
  const out = mkdtempSync(join(tmpdir(), 'ndshare-report-'));
  try {
    const json = join(out, 'r.json');
    const html = join(out, 'r.html');
    writeFileSync(json, JSON.stringify(report));
    const cli = runSync('ndshare report --html', process.execPath, [bin, 'report', json, '--html', html]);
    assert.equal(cli.status, 0, cli.stderr);
    return { ...renderInChromium(browser, html), page: readFileSync(html, 'utf8'), stdout: cli.stdout };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The browser, or the skip (or, with NDSHARE_REQUIRE_CHROMIUM=1, the failure) when there is none. */
function browserOrSkip(t: { skip(message: string): void }): string | null {
  const browser = findChromium();
  if (browser.state === 'found') return browser.path;
  const fix = 'install one (Debian: apt-get install chromium) or set CHROME_PATH';
  assert.notEqual(process.env['NDSHARE_REQUIRE_CHROMIUM'], '1', `NDSHARE_REQUIRE_CHROMIUM=1 but ${browser.why}: ${fix}`);
  t.skip(`needs headless Chromium: ${browser.why}; ${fix} (CI sets NDSHARE_REQUIRE_CHROMIUM=1 to require it)`);
  return null;
}

test('report --html: a --parallel run draws one speedup line per kernel and pool', { skip: onceOnMainNode('headless Chromium drawing the report') }, async (t) => {
  const browser = browserOrSkip(t);
  if (browser === null) return;
  const box = new BenchSandbox();
  try {
    const { code, report } = await box.bench(['--parallel', '--size', '2e4', '--workers', '1,2', '--repeats', '1']);
    assert.equal(code, 0);
    const section = report.parallel?.[0];
    assert.ok(section, 'the report has a parallel section');
    // A line has a box when it joins two worker counts: each kernel x pool measured at both 1 and 2.
    const lines = new Set(section.results.filter((r) => r.speedup !== null).map((r) => `${r.kernel} ${r.impl} ${r.kind}`));
    const twoPoints = [...lines].filter((l) => section.results.filter((r) => `${r.kernel} ${r.impl} ${r.kind}` === l && r.speedup !== null).length >= 2);
    // sum, a*x+b and stencil, each by ndshare's threads, its processes and NumPy's pool.
    assert.equal(twoPoints.length, 9, `measured lines: ${[...lines].join('; ')}`);
    const drawn = drawReport(browser, report);
    assert.deepEqual({ drawn: drawn.drawn, charts: drawn.charts }, { drawn: 9, charts: 1 });
    assert.match(drawn.page, /speedup against workers/);
  } finally {
    assert.deepEqual(box.leftovers(), { segments: [], files: [], processes: [] });
  }
});

test('report --html: a --handoff run draws one bar per implementation, backing, kind and size', { skip: onceOnMainNode('headless Chromium drawing the report') }, async (t) => {
  const browser = browserOrSkip(t);
  if (browser === null) return;
  const box = new BenchSandbox();
  try {
    const { code, report } = await box.bench(['--handoff', '--size', '1024,4096', '--iterations', '5', '--python']);
    assert.equal(code, 0);
    const measured = (report.handoff?.rows ?? []).filter((r) => r.median !== null);
    assert.ok(measured.some((r) => r.impl === 'python') && measured.some((r) => r.impl === 'ndshare'), 'both ndshare and Python rows were measured');
    const drawn = drawReport(browser, report);
    assert.deepEqual({ drawn: drawn.drawn, charts: drawn.charts }, { drawn: measured.length, charts: 1 });
    assert.match(drawn.page, /Handoff to a running receiver/);
  } finally {
    assert.deepEqual(box.leftovers(), { segments: [], files: [], processes: [] });
  }
});
