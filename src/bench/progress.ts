/**
 * A one-line progress bar for a terminal; nothing at all otherwise, so that piped or CI output
 * holds only the results.
 */

/** Reports progress of `total` steps. */
export interface Progress {
  step(label: string): void;
  done(): void;
}

type Out = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/** A bar on `out` when it is a TTY and not `quiet`, else a no-op. */
export function progressBar(out: Out, total: number, quiet: boolean): Progress {
  if (quiet || out.isTTY !== true) return { step: () => {}, done: () => {} };
  let done = 0;
  const t0 = Date.now();
  const draw = (label: string): void => {
    const width = Math.max(10, Math.min(40, (out.columns ?? 80) - 50));
    const filled = Math.round((done / Math.max(1, total)) * width);
    const secs = ((Date.now() - t0) / 1000).toFixed(0);
    const text = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${secs}s ${label}`;
    out.write(`\r\x1b[K${text.slice(0, (out.columns ?? 80) - 1)}`);
  };
  return {
    step(label) {
      draw(label);
      done++;
    },
    done() {
      out.write('\r\x1b[K');
    },
  };
}
