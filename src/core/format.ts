/**
 * How `console.log(array)` shows an NdArray or a rows() view: a title with the facts that matter
 * when sharing (dtype, shape, backing, path), then the values as NumPy's repr lays them out, with
 * the middle of long axes elided once there are more than 1000 elements.
 */
import type { AnyTypedArray } from './dtype.js';

/** What to show. `data` is absent for a closed array (its values are not read). */
export interface FormatSource {
  /** `NdArray<float64>` */
  readonly title: string;
  /** `shape=[2, 3]`, `backing=shm`, ... */
  readonly fields: readonly string[];
  readonly shape: readonly number[];
  /** Element step per dimension in `data`. */
  readonly steps: readonly number[];
  readonly bool: boolean;
  readonly data: AnyTypedArray | undefined;
}

/**
 * util.inspect's hook, by its registered name: the same symbol as `inspect.custom`, without loading
 * node:util (and its dependencies) in every process that receives an array.
 */
export const kInspectCustom: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

/** The part of util.inspect's options this formatter uses. */
export interface FormatOptions {
  readonly depth?: number | null;
  readonly breakLength?: number;
  readonly stylize?: (text: string, style: string) => string;
}

/** NumPy's print threshold: above this many elements, long axes are summarized. */
const kThreshold = 1000;
/** NumPy's edgeitems: elements kept at each end of a summarized axis. */
const kEdgeItems = 3;
/** More shown elements than this (many short axes) and the values are left out altogether. */
const kMaxShown = 2000;
/** NumPy's linewidth; a smaller util.inspect breakLength wins. */
const kLineWidth = 75;

/** `NdArray<float64>(shape=[2, 3], backing=shm, path=/dev/shm/...) [[0, 1, 2], [3, 4, 5]]`, NumPy's layout for the values. */
export function formatArray(src: FormatSource, options: FormatOptions = {}): string {
  const stylize = options.stylize ?? ((s: string) => s);
  const head = `${src.title}(${src.fields.join(', ')})`;
  if ((options.depth ?? 0) < 0) return stylize(`[${src.title}]`, 'special');
  if (src.data === undefined) return head;
  const size = src.shape.reduce((a, b) => a * b, 1);
  // Any empty array prints as [] (as NumPy's does); the shape is in the title.
  if (size === 0 && src.shape.length > 0) return `${head} []`;
  const summarize = size > kThreshold;
  const shown = src.shape.map((n) => (summarize && n > 2 * kEdgeItems ? 2 * kEdgeItems : n));
  if (shown.reduce((a, b) => a * b, 1) > kMaxShown) return `${head} [...]`;
  const data = src.data;
  const f32 = data instanceof Float32Array;
  const text = (offset: number): string => {
    const v = data[offset];
    if (src.bool) return v ? 'true' : 'false';
    return f32 ? shortestFloat32(v as number) : String(v);
  };
  const style = src.bool ? 'boolean' : typeof data[0] === 'bigint' ? 'bigint' : 'number';
  // Right-aligned columns, as NumPy's: the widest shown value sets the width.
  let width = 0;
  walk(src, summarize, 0, 0, (offset) => (width = Math.max(width, text(offset).length)));
  const value = (offset: number): string => stylize(text(offset).padStart(width), style);
  const lineWidth = Math.max(Math.min(options.breakLength ?? kLineWidth, kLineWidth), 40);
  const body = render(src, summarize, value, lineWidth, 0, 0, width);
  if (src.shape.length === 0) return `${head} ${body}`;
  return !body.includes('\n') && head.length + 1 + visibleLength(body) <= lineWidth ? `${head} ${body}` : `${head}\n${body}`;
}

/** The indexes shown along an axis of length n: all, or the first and last kEdgeItems with -1 for "...". */
function shownIndexes(n: number, summarize: boolean): number[] {
  if (!summarize || n <= 2 * kEdgeItems) return Array.from({ length: n }, (_, i) => i);
  return [...Array.from({ length: kEdgeItems }, (_, i) => i), -1, ...Array.from({ length: kEdgeItems }, (_, i) => n - kEdgeItems + i)];
}

function walk(src: FormatSource, summarize: boolean, dim: number, base: number, visit: (offset: number) => void): void {
  if (dim === src.shape.length) return visit(base);
  for (const i of shownIndexes(src.shape[dim] ?? 0, summarize)) if (i >= 0) walk(src, summarize, dim + 1, base + i * (src.steps[dim] ?? 0), visit);
}

function render(src: FormatSource, summarize: boolean, value: (offset: number) => string, lineWidth: number, dim: number, base: number, width: number): string {
  const ndim = src.shape.length;
  if (dim === ndim) return value(base);
  const step = src.steps[dim] ?? 0;
  const idx = shownIndexes(src.shape[dim] ?? 0, summarize);
  if (dim === ndim - 1) {
    // The last axis: NumPy's wrapping (arrayprint's _extendLine) at lineWidth, continued under the first value.
    const items = idx.map((i) => (i < 0 ? '...' : value(base + i * step)));
    const indent = ' '.repeat(dim + 1);
    const limit = lineWidth - dim - 1;
    let text = '';
    let line = indent;
    let length = indent.length;
    for (const [k, item] of items.entries()) {
      const n = visibleLength(item);
      if (length > indent.length && length + n > limit) {
        text += `${line.trimEnd()}\n`;
        line = indent;
        length = indent.length;
      }
      line += item;
      length += n;
      if (k < items.length - 1) {
        line += ', ';
        length += 2;
      }
    }
    return `[${(text + line).slice(indent.length)}]`;
  }
  // Outer axes: one block per line, separated by as many blank lines as dimensions remain below.
  const sep = `,\n${'\n'.repeat(Math.max(0, ndim - dim - 2))}${' '.repeat(dim + 1)}`;
  const blocks = idx.map((i) => (i < 0 ? '...' : render(src, summarize, value, lineWidth, dim + 1, base + i * step, width)));
  return `[${blocks.join(sep)}]`;
}

/** The shortest decimal that reads back as the same float32 (0.1, not 0.10000000149011612), as NumPy prints it. */
function shortestFloat32(v: number): string {
  if (!Number.isFinite(v) || Object.is(v, -0)) return String(v);
  for (let p = 1; p < 9; p++) {
    const t = Number(v.toPrecision(p));
    if (Math.fround(t) === v) return String(t);
  }
  return String(v);
}

/** Length without ANSI colour codes (util.inspect's stylize adds them on a TTY). */
function visibleLength(s: string): number {
  return s.replace(/\u001b\[\d+(;\d+)*m/g, '').length;
}
