/**
 * `ndshare report FILE.json --html out.html`: one self-contained page (inline CSS and SVG, no
 * network) with the tables, per-method bars on a log axis (ndshare vs NumPy, cold and warm) and,
 * for a sweep, time against size as lines. A few lines of inline script count the chart marks the
 * browser actually laid out and record it on <body data-drawn>, so a headless browser can check it.
 */
import { formatCount, formatSeconds, renderTables } from './table.js';
import type { Report, Row } from './types.js';

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
  const parts: string[] = [];
  for (const t of ticks) {
    const x = left + map(t);
    parts.push(`<line x1="${x}" y1="${top - 5}" x2="${x}" y2="${height - 30}" class="grid"/>`, `<text x="${x}" y="${height - 14}" class="tick" text-anchor="middle">${esc(formatSeconds(t))}</text>`);
  }
  methods.forEach((m, gi) => {
    const y0 = top + gi * groupH;
    parts.push(`<text x="${left - 8}" y="${y0 + groupH / 2}" class="label" text-anchor="end">${esc(m)}</text>`);
    present.forEach((s, si) => {
      const row = rows.find((r) => r.method === m && r.impl === s.impl && r.temperature === s.temperature);
      if (!row || row.median === null) return;
      const w = Math.max(1, map(row.median));
      const y = y0 + si * barH;
      parts.push(
        `<rect class="mark" x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH - 2}" fill="${s.color}"><title>${esc(`${m} ${s.label}: ${formatSeconds(row.median)}`)}</title></rect>`,
        `<text x="${left + w + 4}" y="${y + barH - 3}" class="value">${esc(formatSeconds(row.median))}</text>`,
      );
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
  const charts =
    largest === undefined
      ? ''
      : [barChart(report, 'process', largest), barChart(report, 'thread', largest), sweepChart(report, 'process'), sweepChart(report, 'thread')].join('\n');
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
