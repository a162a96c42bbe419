/**
 * `ndshare bench-zarr`: publish and fetch of one float64 array (1e8 elements, 800 MB, by default)
 * to a file-system Zarr store, ndshare against zarr-python (Debian's, /usr/bin/python3) doing the
 * same in the same run: same data, chunks and compressor, raw and compressed. Each side runs its
 * repeats in one process of its own; the figure is the median, in MB/s of array data (10^6 B).
 * Publish starts from an array in memory and ends when the store holds it; fetch starts from the
 * store and ends with the whole array in shared memory (ndshare: a new shm segment; zarr-python:
 * a .npy memmap in /dev/shm), allocation included on both sides. zarr-python's fetch into its
 * usual private NumPy array is shown too, for scale.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create } from '../core/create.js';
import { NdshareError } from '../errors.js';
import { fetchArray } from '../zarr/fetch.js';
import { publish } from '../zarr/publish.js';
import type { Compressor } from '../zarr/codecs.js';
import { machine, median } from './micro/common.js';

/** What to measure. */
export interface ZarrBenchOptions {
  readonly n: number;
  readonly chunk: number;
  readonly compressors: readonly Compressor[];
  readonly repeats: number;
  readonly dir: string;
  readonly python: string;
  readonly timeoutMs: number;
}

/** One side's times for one compressor, seconds per repeat. */
export interface SideTimes {
  readonly publish: readonly number[];
  /** Into shared memory the host's processes can map (ndshare: a shm segment; zarr-python: a .npy memmap in /dev/shm). */
  readonly fetchShared: readonly number[];
  /** Into private memory (zarr-python's usual NumPy array; ndshare's fetch always lands in shared memory). */
  readonly fetch?: readonly number[];
}

/** One compressor's result. */
export interface ZarrBenchRow {
  readonly compressor: Compressor;
  readonly ndshare: SideTimes;
  readonly python: SideTimes | { readonly error: string };
}

/** The whole run. */
export interface ZarrBenchReport {
  readonly started: string;
  readonly machine: string;
  readonly zarrPython: string | null;
  readonly options: ZarrBenchOptions;
  readonly rows: readonly ZarrBenchRow[];
}

const kScript = fileURLToPath(new URL('../../../src/bench/python/zarr_bench.py', import.meta.url));

async function ndshareSide(o: ZarrBenchOptions, compressor: Compressor): Promise<SideTimes> {
  const a = create({ dtype: 'float64', shape: [o.n] });
  const pub: number[] = [];
  const got: number[] = [];
  const url = join(o.dir, `ndshare-bench-${process.pid}-${compressor}.zarr`);
  try {
    const d = a.data;
    for (let i = 0; i < o.n; i++) d[i] = (i % 1000) * 0.25;
    for (let r = 0; r < o.repeats; r++) {
      rmSync(url, { recursive: true, force: true });
      let t0 = performance.now();
      await publish(a, url, { chunks: o.chunk, compressor });
      pub.push((performance.now() - t0) / 1000);
      t0 = performance.now();
      const back = await fetchArray(url, { cache: false });
      got.push((performance.now() - t0) / 1000);
      const ok = back.data[12345] === d[12345];
      back.close();
      if (!ok) throw new NdshareError('ERR_NDSHARE_ZARR_BAD_CHUNK', 'Expected the fetched array to equal the published one but element 12345 differs');
    }
  } finally {
    a.close();
    rmSync(url, { recursive: true, force: true });
  }
  return { publish: pub, fetchShared: got };
}

function pythonSide(o: ZarrBenchOptions, compressor: Compressor): Promise<(SideTimes & { zarr: string }) | { error: string }> {
  const path = join(o.dir, `zarr-python-bench-${process.pid}-${compressor}.zarr`);
  const args = [kScript, '--n', String(o.n), '--chunk', String(o.chunk), '--compressor', compressor, '--repeats', String(o.repeats), '--path', path];
  return new Promise((resolve) => {
    const p = spawn(o.python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    p.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    const timer = setTimeout(() => p.kill('SIGKILL'), o.timeoutMs);
    p.on('error', (e) => {
      clearTimeout(timer);
      resolve({ error: `${o.python} did not start: ${e.message} (install python3-zarr, see docs/distributed.md)` });
    });
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      rmSync(path, { recursive: true, force: true });
      if (code !== 0) return resolve({ error: `${o.python} failed (code ${code}, signal ${signal}): ${err.trim().split('\n').slice(-3).join(' ')}` });
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as SideTimes & { zarr: string });
      } catch {
        resolve({ error: `${o.python} printed no JSON` });
      }
    });
  });
}

/** Runs both sides for every compressor; `step` reports progress. */
export async function runZarrBench(o: ZarrBenchOptions, step: (label: string) => void = () => {}): Promise<ZarrBenchReport> {
  const started = new Date().toISOString();
  const rows: ZarrBenchRow[] = [];
  let zarrPython: string | null = null;
  for (const compressor of o.compressors) {
    step(`ndshare ${compressor}`);
    const ndshare = await ndshareSide(o, compressor);
    step(`zarr-python ${compressor}`);
    const py = await pythonSide(o, compressor);
    if ('zarr' in py) zarrPython = py.zarr;
    rows.push({ compressor, ndshare, python: 'error' in py ? py : { publish: py.publish, fetchShared: py.fetchShared, ...(py.fetch ? { fetch: py.fetch } : {}) } });
  }
  return { started, machine: machine(), zarrPython, options: o, rows };
}

/** The results as a text or Markdown table: MB/s of each side and the ratio ndshare / zarr-python. */
export function renderZarrBench(r: ZarrBenchReport, markdown: boolean): string {
  const mb = r.options.n * 8 / 1e6;
  const rate = (s: readonly number[]) => mb / median([...s]);
  const head = ['operation', 'compressor', 'ndshare MB/s', 'zarr-python MB/s', 'ratio'];
  const lines: string[][] = [];
  for (const row of r.rows) {
    const ops = [
      ['publish', 'publish', 'publish'],
      ['fetch to shared memory', 'fetchShared', 'fetchShared'],
      ['fetch to private memory', 'fetchShared', 'fetch'],
    ] as const;
    for (const [label, ours, theirsKey] of ops) {
      const mine = rate(row.ndshare[ours] ?? []);
      const times = 'error' in row.python ? undefined : row.python[theirsKey];
      const theirs = times === undefined ? Number.NaN : rate(times);
      lines.push([label, row.compressor, mine.toFixed(0), Number.isNaN(theirs) ? 'failed' : theirs.toFixed(0), Number.isNaN(theirs) ? '-' : `${(mine / theirs).toFixed(2)}x`]);
    }
  }
  const title = `${mb.toFixed(0)} MB (${r.options.n} float64), chunks of ${r.options.chunk} elements, median of ${r.options.repeats}, store in ${r.options.dir}; zarr-python ${r.zarrPython ?? '?'} (${r.options.python})`;
  const errors = r.rows.flatMap((row) => ('error' in row.python ? [`zarr-python ${row.compressor}: ${row.python.error}`] : []));
  if (markdown) {
    const md = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...lines.map((l) => `| ${l.join(' | ')} |`)];
    return `${title}\n\n${md.join('\n')}\n\n${r.machine}, ${r.started}\n${errors.map((e) => `\n${e}`).join('')}\n`;
  }
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return `${title}\n\n${[fmt(head), ...lines.map(fmt)].join('\n')}\n\n${r.machine}, ${r.started}\n${errors.map((e) => `${e}\n`).join('')}`;
}
