/**
 * The exit statuses of `ndshare`, the same for every command (docs/api.md lists them):
 *   0   success
 *   1   the command ran and failed (a cell failed or timed out, a segment is live, a report is
 *       invalid, a file cannot be read)
 *   2   usage error: unknown command or option, a bad or missing argument, a selection that runs
 *       nothing; nothing was done
 *   130 interrupted by Ctrl-C (SIGINT), after printing what had finished (128 + SIGINT, as a shell reports it)
 *   143 stopped by SIGTERM (a service manager, `timeout`, `kill`), after the same cleanup and report
 *       (128 + SIGTERM)
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130, terminated: 143 } as const;

/** One of the statuses in EXIT. */
export type ExitStatus = (typeof EXIT)[keyof typeof EXIT];
