/**
 * Color for terminal output, decided once per stream: ANSI colors on a terminal, plain text
 * everywhere else (pipes, files, CI logs), and never when NO_COLOR is set (https://no-color.org).
 */

/** How the benchmark's output marks good, bad and quiet text. */
export interface Style {
  readonly ok: (s: string) => string;
  readonly bad: (s: string) => string;
  readonly dim: (s: string) => string;
}

const same = (s: string): string => s;
const sgr = (on: number, off: number) => (s: string): string => `\x1b[${on}m${s}\x1b[${off}m`;

/** No escape bytes at all. */
export const plainStyle: Style = { ok: same, bad: same, dim: same };

/** Green, red and dim (SGR 32, 31, 2). */
export const ansiStyle: Style = { ok: sgr(32, 39), bad: sgr(31, 39), dim: sgr(2, 22) };

/**
 * Whether to color what goes to `stream`: never with a non-empty NO_COLOR; with a FORCE_COLOR
 * other than '' or '0' even off a terminal (for logs that render ANSI); otherwise only on a
 * terminal whose TERM is not 'dumb'.
 */
export function useColor(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env['NO_COLOR'] ?? '') !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '') return force !== '0';
  return stream.isTTY === true && env['TERM'] !== 'dumb';
}

/** The style for `stream` (see useColor). */
export function styleFor(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Style {
  return useColor(stream, env) ? ansiStyle : plainStyle;
}
