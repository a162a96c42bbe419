/**
 * Progress of a benchmark run on stderr: a one-line bar on a terminal, one line per finished step
 * when asked for off a terminal (`--progress`, for logs and CI), nothing otherwise, so that piped
 * output holds only the results. Both show an ETA once a step has finished.
 */
import type { Style } from './style.js';

/** How a step ended, as the bar reports it. */
export type StepEnd = 'ok' | 'failed' | 'timeout';

/** Reports progress of `total` steps (cells, NumPy runs, floor measurements). */
export interface Progress {
  /** A step begins. */
  start(label: string): void;
  /** The step that began last has ended. */
  end(how: StepEnd): void;
  /** `count` planned steps will not run (the repeats after a timeout). */
  skip(count: number): void;
  /** Clears the bar, before the results are printed. */
  done(): void;
}

/** 'bar' redraws one line (a terminal), 'lines' prints a line per step, 'off' prints nothing. */
export type ProgressMode = 'bar' | 'lines' | 'off';

type Out = NodeJS.WritableStream & { columns?: number };

/** "~45s", "~1m20s", "~2h05m": rounded, because it is an estimate. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `~${s}s`;
  if (s < 3600) return `~${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `~${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * The time the remaining steps will take at the mean pace of the finished ones; null before the
 * first step has finished.
 */
export function etaSeconds(elapsedSeconds: number, finished: number, total: number): number | null {
  if (finished < 1) return null;
  return (elapsedSeconds / finished) * Math.max(0, total - finished);
}

/** Progress of `total` steps on `out`, in `mode`, colored by `style`. */
export function progressReporter(out: Out, total: number, mode: ProgressMode, style: Style): Progress {
  if (mode === 'off') return { start: () => {}, end: () => {}, skip: () => {}, done: () => {} };
  let finished = 0;
  let planned = total;
  let label = '';
  const t0 = Date.now();
  const eta = (): string => {
    const s = etaSeconds((Date.now() - t0) / 1000, finished, planned);
    return s === null || finished >= planned ? '' : ` ETA ${formatEta(s)}`;
  };
  const draw = (): void => {
    // A pty without a size reports 0 columns: treat it as unknown.
    const columns = out.columns || 80;
    const width = Math.max(10, Math.min(40, columns - 60));
    const filled = Math.round((finished / Math.max(1, planned)) * width);
    const text = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${finished}/${planned}${eta()} ${label}`;
    // \r and erase-line are cursor control, not color: a terminal needs them whatever NO_COLOR says.
    out.write(`\r\x1b[K${text.slice(0, columns - 1)}`);
  };
  return {
    start(next) {
      label = next;
      if (mode === 'bar') draw();
    },
    end(how) {
      finished++;
      if (mode === 'bar') return draw();
      const paint = how === 'ok' ? style.ok : style.bad;
      out.write(`[${finished}/${planned}] ${label}: ${paint(how)}${eta()}\n`);
    },
    skip(count) {
      planned -= count;
    },
    done() {
      if (mode === 'bar') out.write('\r\x1b[K');
    },
  };
}
