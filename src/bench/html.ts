/**
 * `ndshare report FILE.json --html out.html`: one self-contained page (inline CSS and SVG, no
 * network) with the tables, per-method bars on a log axis (ndshare vs NumPy, cold and warm) and,
 * for a sweep, time against size as lines; for `--parallel`, speedup against workers per kernel
 * (ndshare's threads and processes, NumPy's pool, and the ideal); for `--handoff`, the median
 * handoff per size (ndshare and Python, each backing and kind) as bars on a log axis. A few lines
 * of inline script count the chart marks the browser actually laid out and record it on
 * <body data-drawn>, so a headless browser can check it.
 */
import { formatBytes, formatCount, formatSeconds, kKernelTitles, renderTables } from './table.js';
import type { HandoffRow, ParallelRow, ParallelSection, Report, Row } from './types.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const SERIES = [
  { impl: 'ndshare', temperature: 'cold', label: 'ndshare, cold pages', color: '#1f77b4' },
  { impl: 'ndshare', temperature: 'warm', label: 'ndshare, warm pages (pool)', color: '#9ecae1' },
  { impl: 'numpy', temperature: 'cold', label: 'NumPy, first run', color: '#d62728' },
  { impl: 'numpy', temperature: 'warm', label: 'NumPy, second run', color: '#ff9896' },
] as const;

/** Log-scale axis over the values, widened to whole decades (and at least [lo, hi] when given). */
function logScale(values: readonly number[], size: number, atLeast: readonly [number, number] = [Infinity, 0]): { map: (v: number) => number; ticks: number[] } {
  const pos = values.filter((v) => v > 0);
  const lo = Math.floor(Math.log10(Math.min(...pos, atLeast[0])));
  const hi = Math.ceil(Math.log10(Math.max(...pos, atLeast[1])));
  const span = Math.max(1, hi - lo);
  const ticks: number[] = [];
  for (let e = lo; e <= hi; e++) ticks.push(10 ** e);
  return { map: (v) => ((Math.log10(Math.max(v, 10 ** lo)) - lo) / span) * size, ticks };
}

/** The vertical grid lines and labels of a horizontal log time axis (bar charts), from `top` to the axis at the bottom. */
function timeGrid(ticks: readonly number[], map: (v: number) => number, left: number, top: number, height: number): string[] {
  return ticks.flatMap((t) => {
    const x = left + map(t);
    return [`<line x1="${x}" y1="${top - 5}" x2="${x}" y2="${height - 30}" class="grid"/>`, `<text x="${x}" y="${height - 14}" class="tick" text-anchor="middle">${esc(formatSeconds(t))}</text>`];
  });
}

/** One horizontal bar (a chart mark, with its tooltip) and its value after it. */
function bar(left: number, y: number, length: number, barH: number, color: string, title: string, value: string): string[] {
  const w = Math.max(1, length);
  return [
    `<rect class="mark" x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH - 2}" fill="${color}"><title>${esc(title)}</title></rect>`,
    `<text x="${left + w + 4}" y="${y + barH - 3}" class="value">${esc(value)}</text>`,
  ];
}

/** Horizontal grouped bars: one group per method, one bar per series, log time axis. */
function barChart(report: Report, kind: 'process' | 'thread', n: number): string {
  const rows = report.rows.filter((r) => r.kind === kind && r.n === n && r.median !== null);
  const methods = [...new Set(report.rows.filter((r) => r.kind === kind && r.n === n && r.impl === 'ndshare').map((r) => r.method))];
  if (methods.length === 0 || rows.length === 0) return '';
  const present = SERIES.filter((s) => rows.some((r) => r.impl === s.impl && r.temperature === s.temperature));
  const barH = 12;
  const groupH = present.length * barH + 10;
  const left = 150;
  const plotW = 560;
  const top = 30;
  const height = top + methods.length * groupH + 40;
  const { map, ticks } = logScale(rows.map((r) => r.median ?? 0), plotW, [1e-3, 1e-2]);
  const parts = timeGrid(ticks, map, left, top, height);
  methods.forEach((m, gi) => {
    const y0 = top + gi * groupH;
    parts.push(`<text x="${left - 8}" y="${y0 + groupH / 2}" class="label" text-anchor="end">${esc(m)}</text>`);
    present.forEach((s, si) => {
      const row = rows.find((r) => r.method === m && r.impl === s.impl && r.temperature === s.temperature);
      if (!row || row.median === null) return;
      parts.push(...bar(left, y0 + si * barH, map(row.median), barH, s.color, `${m} ${s.label}: ${formatSeconds(row.median)}`, formatSeconds(row.median)));
    });
  });
  const legend = present.map((s, i) => `<rect x="${left + i * 190}" y="6" width="10" height="10" fill="${s.color}"/><text x="${left + i * 190 + 14}" y="15" class="tick">${esc(s.label)}</text>`);
  return figure(
    `Median time per method, ${kind === 'process' ? 'child processes' : 'worker threads'}, n = ${formatCount(n)} (log axis)`,
    `<svg class="chart bars" xmlns="http://www.w3.org/2000/svg" width="${left + 4 * 190}" height="${height}" role="img">${legend.join('')}${parts.join('')}</svg>`,
  );
}

/** Lines of median time against element count (both log), one per method, ndshare cold pages. */
function sweepChart(report: Report, kind: 'process' | 'thread'): string {
  const rows = report.rows.filter((r) => r.impl === 'ndshare' && r.kind === kind && r.temperature === 'cold' && r.median !== null);
  // NumPy's first runs of the same methods, dashed in the same colour.
  const numpy = report.rows.filter((r) => r.impl === 'numpy' && r.kind === kind && r.temperature === 'cold' && r.median !== null);
  const sizes = [...new Set(rows.map((r) => r.n))].sort((a, b) => a - b);
  if (sizes.length < 2) return '';
  const left = 70;
  const top = 20;
  const w = 600;
  const h = 320;
  const x = logScale(sizes, w);
  const y = logScale([...rows, ...numpy].map((r) => r.median ?? 0), h, [1e-3, 1e-2]);
  const methods = [...new Set(rows.map((r) => r.method))];
  const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#637939'];
  const parts: string[] = [];
  for (const t of y.ticks) {
    const py = top + h - y.map(t);
    parts.push(`<line x1="${left}" y1="${py}" x2="${left + w}" y2="${py}" class="grid"/><text x="${left - 6}" y="${py + 4}" class="tick" text-anchor="end">${esc(formatSeconds(t))}</text>`);
  }
  for (const n of sizes) {
    const px = left + x.map(n);
    parts.push(`<text x="${px}" y="${top + h + 16}" class="tick" text-anchor="middle">${esc(formatCount(n))}</text>`);
  }
  const line = (series: readonly Row[], m: string, color: string, dashed: boolean): void => {
    const pts = sizes
      .map((n) => series.find((r) => r.method === m && r.n === n))
      .filter((r): r is Row => r !== undefined && r.median !== null)
      .map((r) => `${(left + x.map(r.n)).toFixed(1)},${(top + h - y.map(r.median ?? 0)).toFixed(1)}`);
    if (pts.length === 0) return;
    const dash = dashed ? ' stroke-dasharray="5,4"' : '';
    parts.push(`<polyline class="mark" fill="none" stroke="${color}" stroke-width="2"${dash} points="${pts.join(' ')}"><title>${esc(`${dashed ? 'NumPy ' : ''}${m}`)}</title></polyline>`);
  };
  methods.forEach((m, i) => {
    const color = palette[i % palette.length] ?? '#000';
    line(rows, m, color, false);
    line(numpy, m, color, true);
    parts.push(`<rect x="${left + w + 12}" y="${top + i * 16}" width="10" height="10" fill="${color}"/><text x="${left + w + 26}" y="${top + i * 16 + 9}" class="tick">${esc(m)}</text>`);
  });
  return figure(
    `Size sweep, ${kind === 'process' ? 'child processes' : 'worker threads'}: median time against element count (log-log, cold pages; dashed: NumPy first run)`,
    `<svg class="chart lines" xmlns="http://www.w3.org/2000/svg" width="${left + w + 140}" height="${top + h + 30}" role="img">${parts.join('')}</svg>`,
  );
}

/** The series of a parallel chart: ndshare's two pool kinds and NumPy's pool. */
const PARALLEL_SERIES = [
  { label: 'ndshare, threads (piscina)', color: '#1f77b4', is: (r: ParallelRow) => r.impl === 'ndshare' && r.kind === 'thread' },
  { label: 'ndshare, processes', color: '#2ca02c', is: (r: ParallelRow) => r.impl === 'ndshare' && r.kind === 'process' },
  { label: 'NumPy, multiprocessing.Pool', color: '#d62728', is: (r: ParallelRow) => r.impl === 'numpy' },
] as const;

/** `--parallel`: one panel per kernel, speedup (linear) against worker count, with the ideal speedup dashed. */
function parallelChart(section: ParallelSection): string {
  const measured = section.results.filter((r) => r.speedup !== null && r.median !== null);
  const kernels = [...new Set(measured.map((r) => r.kernel))];
  if (kernels.length === 0) return '';
  const workers = [...new Set(section.results.map((r) => r.workers))].sort((a, b) => a - b);
  const maxW = Math.max(...workers);
  const top = 34;
  const panelW = 220;
  const panelH = 180;
  const gap = 60;
  const left = 50;
  // Whole speedups on the axis, at least up to the ideal at the most workers.
  const yMax = Math.ceil(Math.max(maxW, ...measured.map((r) => r.speedup ?? 0)));
  const px = (w: number): number => (maxW === 1 ? panelW / 2 : ((w - 1) / (maxW - 1)) * panelW);
  const py = (v: number): number => panelH - (v / yMax) * panelH;
  const parts: string[] = [];
  kernels.forEach((k, ki) => {
    const x0 = left + ki * (panelW + gap);
    parts.push(`<text x="${x0 + panelW / 2}" y="${top - 8}" class="label" text-anchor="middle">${esc(kKernelTitles[k])}</text>`);
    for (let v = 0; v <= yMax; v++) {
      const y = top + py(v);
      parts.push(`<line x1="${x0}" y1="${y}" x2="${x0 + panelW}" y2="${y}" class="grid"/><text x="${x0 - 6}" y="${y + 4}" class="tick" text-anchor="end">${v}x</text>`);
    }
    for (const w of workers) parts.push(`<text x="${x0 + px(w)}" y="${top + panelH + 16}" class="tick" text-anchor="middle">${w}</text>`);
    // The ideal: speedup = workers.
    parts.push(`<polyline fill="none" stroke="#999" stroke-width="1" stroke-dasharray="4,4" points="${workers.map((w) => `${(x0 + px(w)).toFixed(1)},${(top + py(w)).toFixed(1)}`).join(' ')}"/>`);
    for (const s of PARALLEL_SERIES) {
      const pts = measured.filter((r) => r.kernel === k && s.is(r)).sort((a, b) => a.workers - b.workers);
      if (pts.length === 0) continue;
      const title = `${kKernelTitles[k]}, ${s.label}: ${pts.map((r) => `${r.workers} -> ${(r.speedup ?? 0).toFixed(2)}x (${formatSeconds(r.median)})`).join(', ')}`;
      const coords = pts.map((r) => [(x0 + px(r.workers)).toFixed(1), (top + py(r.speedup ?? 0)).toFixed(1)] as const);
      parts.push(`<polyline class="mark" fill="none" stroke="${s.color}" stroke-width="2" points="${coords.map((c) => c.join(',')).join(' ')}"><title>${esc(title)}</title></polyline>`);
      // Dots at the measured points: a line of one point (one worker count) has no box of its own.
      for (const [cx, cy] of coords) parts.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${s.color}"/>`);
    }
  });
  const legendY = top + panelH + 34;
  const legend = [...PARALLEL_SERIES.map((s) => ({ label: s.label, color: s.color })), { label: 'ideal (speedup = workers)', color: '#999' }].map(
    (s, i) => `<rect x="${left + i * 210}" y="${legendY - 9}" width="10" height="10" fill="${s.color}"/><text x="${left + i * 210 + 14}" y="${legendY}" class="tick">${esc(s.label)}</text>`,
  );
  const width = Math.max(left + kernels.length * (panelW + gap), left + 4 * 210);
  return figure(
    `Parallel work over one shared ${formatCount(section.n)} float64 array (${formatBytes(section.bytes)}): speedup against workers, ${section.cores} core(s)`,
    `<svg class="chart lines" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${legendY + 12}" role="img">${parts.join('')}${legend.join('')}</svg>`,
  );
}

/** `--handoff`: median one-way handoff per size, one bar per implementation, backing and kind (log axis). */
function handoffChart(rows: readonly HandoffRow[]): string {
  const measured = rows.filter((r) => r.median !== null);
  if (measured.length === 0) return '';
  const sizes = [...new Set(measured.map((r) => r.n))].sort((a, b) => a - b);
  const key = (r: HandoffRow): string => `${r.impl === 'python' ? 'Python' : 'ndshare'} ${r.backing}, ${r.kind === 'thread' ? 'worker' : 'process'} (${r.channel})`;
  const series = [...new Set(measured.map(key))];
  const palette = ['#1f77b4', '#9ecae1', '#2ca02c', '#98df8a', '#9467bd', '#c5b0d5', '#8c564b', '#e377c2', '#d62728', '#ff9896'];
  const color = (k: string): string => (k.startsWith('Python') ? '#d62728' : (palette[series.filter((s) => !s.startsWith('Python')).indexOf(k) % palette.length] ?? '#000'));
  const barH = 12;
  const left = 110;
  const plotW = 520;
  const top = 20;
  const groupH = series.length * barH + 12;
  const height = top + sizes.length * groupH + 40;
  const { map, ticks } = logScale(measured.map((r) => r.median ?? 0), plotW, [1e-5, 1e-3]);
  const parts = timeGrid(ticks, map, left, top, height);
  sizes.forEach((n, gi) => {
    const y0 = top + gi * groupH;
    const bytes = measured.find((r) => r.n === n)?.bytes ?? 0;
    parts.push(`<text x="${left - 8}" y="${y0 + groupH / 2}" class="label" text-anchor="end">${esc(formatBytes(bytes))}</text>`);
    series.forEach((k, si) => {
      const r = measured.find((x) => x.n === n && key(x) === k);
      if (!r || r.median === null) return;
      parts.push(...bar(left, y0 + si * barH, map(r.median), barH, color(k), `${k}, ${formatBytes(bytes)}: median ${formatSeconds(r.median)}, p99 ${formatSeconds(r.p99)}`, formatSeconds(r.median)));
    });
  });
  const legend = series.map((k, i) => `<rect x="${left + plotW + 70}" y="${top + i * 16}" width="10" height="10" fill="${color(k)}"/><text x="${left + plotW + 84}" y="${top + i * 16 + 9}" class="tick">${esc(k)}</text>`);
  return figure(
    'Handoff to a running receiver: median time from sending the handle until the receiver holds a view, per array size (log axis)',
    `<svg class="chart bars" xmlns="http://www.w3.org/2000/svg" width="${left + plotW + 340}" height="${Math.max(height, top + series.length * 16 + 10)}" role="img">${parts.join('')}${legend.join('')}</svg>`,
  );
}

function figure(caption: string, svg: string): string {
  return `<figure><figcaption>${esc(caption)}</figcaption>${svg}</figure>`;
}

// Counts marks with a non-empty laid-out box: proof the browser drew the charts, not just parsed them.
const kDrawnScript = `<script>
window.addEventListener('load', function () {
  var marks = document.querySelectorAll('svg.chart .mark');
  var drawn = 0;
  marks.forEach(function (m) { var b = m.getBBox(); if (b.width > 0 && b.height > 0 || (b.width > 0 || b.height > 0) && m.tagName === 'polyline') drawn++; });
  document.body.setAttribute('data-drawn', String(drawn));
  document.body.setAttribute('data-charts', String(document.querySelectorAll('svg.chart').length));
});
</script>`;

/** Renders the report as a standalone HTML page. */
export function renderHtml(report: Report): string {
  const sizes = [...new Set(report.rows.map((r) => r.n))].sort((a, b) => a - b);
  const largest = sizes[sizes.length - 1];
  const charts = [
    ...(largest === undefined ? [] : [barChart(report, 'process', largest), barChart(report, 'thread', largest), sweepChart(report, 'process'), sweepChart(report, 'thread')]),
    ...(report.parallel ?? []).map(parallelChart),
    handoffChart(report.handoff?.rows ?? []),
  ]
    .filter((c) => c !== '')
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ndshare bench ${esc(report.env.date)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
figure{margin:1.5em 0}figcaption{font-weight:600;margin-top:.3em}
svg .grid{stroke:#ddd}svg .tick{font-size:11px;fill:#555}svg .label{font-size:12px}svg .value{font-size:10px;fill:#333}
pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:12px}
</style></head>
<body data-drawn="0">
<h1>ndshare bench</h1>
<p>${esc(`${report.env.date} | ${report.env.cpu} x${report.env.cores} | Linux ${report.env.kernel} | Node ${report.env.node}`)}${report.env.python ? esc(` | Python ${report.env.python} | NumPy ${report.env.numpy}`) : ''}</p>
<p><code>${esc(report.env.command)}</code></p>
${charts}
<h2>Tables</h2>
<pre>${esc(renderTables(report))}</pre>
${kDrawnScript}
</body></html>
`;
}
