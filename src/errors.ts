/**
 * The one error class of ndshare. Every failure a caller can provoke ends here, with a stable
 * `code` to branch on and a message that says what was expected and what was received.
 */

/** Codes that ndshare itself assigns. System failures keep their errno name (`ENOSPC`, `ENOENT`, ...). */
export const ERROR_CODES = [
  'ERR_NDSHARE_INVALID_ARGUMENT',
  'ERR_NDSHARE_INVALID_DTYPE',
  'ERR_NDSHARE_INVALID_SHAPE',
  'ERR_NDSHARE_INVALID_HANDLE',
  'ERR_NDSHARE_HANDLE_MISMATCH',
  'ERR_NDSHARE_BAD_HEADER',
  'ERR_NDSHARE_TRUNCATED',
  'ERR_NDSHARE_NOT_NATIVE',
  'ERR_NDSHARE_FORTRAN_ORDER',
  'ERR_NDSHARE_TOO_LARGE',
  'ERR_NDSHARE_NOT_SHAREABLE',
  'ERR_NDSHARE_NOT_OWNER',
  'ERR_NDSHARE_PERMISSION',
  'ERR_NDSHARE_CLOSED',
  'ERR_NDSHARE_NO_INHERITED',
  'ERR_NDSHARE_NATIVE_MISSING',
  'ERR_NDSHARE_EXTERNAL_BUFFERS',
  'ERR_NDSHARE_UNSUPPORTED',
  'ERR_NDSHARE_LOCK_TIMEOUT',
  'ERR_NDSHARE_LOCK_NOT_RECOVERABLE',
  'ERR_NDSHARE_LOCK_RELOCK',
  'ERR_NDSHARE_LOCK_NOT_OWNER',
  'ERR_NDSHARE_MANAGER_DEAD',
  'ERR_NDSHARE_MANAGER_DEADLINE',
  'ERR_NDSHARE_MANAGER_REMOTE',
  'ERR_NDSHARE_PROTOCOL',
  'ERR_NDSHARE_CHILD_FAILED',
  'ERR_NDSHARE_READ_ONLY',
  // Zarr stores (src/zarr/): nothing at the URL, metadata or a chunk that cannot be used, a
  // chunk the store lacks, a codec, layout or store kind ndshare does not read or write.
  'ERR_NDSHARE_ZARR_NOT_FOUND',
  'ERR_NDSHARE_ZARR_BAD_METADATA',
  'ERR_NDSHARE_ZARR_BAD_CHUNK',
  'ERR_NDSHARE_ZARR_MISSING_CHUNK',
  'ERR_NDSHARE_ZARR_UNSUPPORTED',
] as const;

type Letter = 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I' | 'J' | 'K' | 'L' | 'M' | 'N' | 'O' | 'P' | 'Q' | 'R' | 'S' | 'T' | 'U' | 'V' | 'W' | 'X' | 'Y' | 'Z';

/**
 * The errno name of a failed system call (`ENOSPC`, `EEXIST`, `EROFS`, ...), kept as the kernel
 * names it. No errno name starts with `ERR`, so this type cannot absorb a misspelt ndshare code.
 */
export type ErrnoCode = `E${Exclude<Letter, 'R'>}${Uppercase<string>}` | `ER${Exclude<Letter, 'R'>}${Uppercase<string>}`;

/** A code ndshare assigns (closed: one of `ERROR_CODES`), or an errno name. */
export type NdshareErrorCode = (typeof ERROR_CODES)[number] | ErrnoCode;

/** True for an errno name (`E` and capitals or digits, never `ERR...`): the runtime side of `ErrnoCode`. */
export function isErrnoCode(code: string): code is ErrnoCode {
  return /^E(?!RR)[A-Z0-9]{1,20}$/.test(code);
}

/** Extra facts attached to an error. */
export interface NdshareErrorDetails {
  /** The failed system call, for errno codes. */
  syscall?: string;
  /** The path or segment name involved. */
  path?: string;
  /** The underlying error, if any. */
  cause?: unknown;
}

/** The error thrown by every ndshare API. */
export class NdshareError extends Error {
  /** Stable, documented code: branch on this, not on the message. */
  readonly code: NdshareErrorCode;
  /** The system call that failed, when `code` is an errno name. */
  readonly syscall: string | undefined;
  /** The path or segment name involved, when there is one. */
  readonly path: string | undefined;

  constructor(code: NdshareErrorCode, message: string, details: NdshareErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'NdshareError';
    this.code = code;
    this.syscall = details.syscall;
    this.path = details.path;
  }
}

/** Longest run of received text (in UTF-16 units, before escaping) that a message repeats. */
const kQuotedTextMax = 60;

/**
 * Characters a terminal may act on, or that make text read differently from what it is: C0 and C1
 * controls (ESC, BEL, CR, the 8-bit CSI U+009B), DEL, line and paragraph separators, format
 * characters (bidi overrides, zero-width ones) and lone surrogates. JSON.stringify escapes only C0.
 */
const kUnsafeText = /[\\]|[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;
const kShortEscapes: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/**
 * Untrusted text (a .npy header's descr or keys, a received string) made safe to put in a
 * message: every unsafe character escaped JSON-style (`\u001b`, `\r`, `\\`), at most `max`
 * characters of the original kept (then `...`). Without quotes: see `quoted()`.
 */
export function escapeText(text: string, max: number = kQuotedTextMax): string {
  const cut = text.length > max ? text.slice(0, Math.max(0, max - 3)) : text;
  const safe = cut.replace(kUnsafeText, (c) => kShortEscapes[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return cut === text ? safe : `${safe}...`;
}

/** `escapeText()` in double quotes (a double quote inside is escaped too): `"<f8\u001b[31m"`. */
export function quoted(text: string, max: number = kQuotedTextMax): string {
  return `"${escapeText(text, max).replace(/"/g, '\\"')}"`;
}

/** Short, safe description of any received value for messages ("a string 'x'", "an object"). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  switch (typeof value) {
    case 'string':
      return `the string ${quoted(value)}`;
    case 'number':
    case 'bigint':
    case 'boolean':
      return `${typeof value} ${String(value)}${typeof value === 'bigint' ? 'n' : ''}`;
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      if (Array.isArray(value)) return `an array of length ${value.length}`;
      return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
  }
}

/** Throws the standard "Expected X for Y but received Z" error. */
export function invalid(code: NdshareErrorCode, expected: string, what: string, received: unknown): never {
  throw new NdshareError(code, `Expected ${expected} for ${what} but received ${describe(received)}`);
}

/** A failure, flattened so it survives JSON and structured clone (between a parent and a child). */
export interface WireError {
  readonly code: string;
  readonly message: string;
}

/** Flattens any thrown value. */
export function toWireError(err: unknown): WireError {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  return { code: typeof e.code === 'string' ? e.code : 'ERR_NDSHARE_CHILD_FAILED', message };
}

/** A known ndshare code or errno name, else the fallback: a peer cannot invent codes. */
export function safeCode(code: unknown, fallback: NdshareErrorCode): NdshareErrorCode {
  if (typeof code !== 'string') return fallback;
  if ((ERROR_CODES as readonly string[]).includes(code) || isErrnoCode(code)) return code as NdshareErrorCode;
  return fallback;
}

/** Rebuilds a typed error that came from a peer. */
export function fromWireError(error: WireError, where: string): NdshareError {
  return new NdshareError(safeCode(error.code, 'ERR_NDSHARE_CHILD_FAILED'), `${where}: ${error.message}`);
}

interface SystemErrorLike {
  code?: unknown;
  syscall?: unknown;
  path?: unknown;
  message?: unknown;
}

/**
 * Converts an error from the addon or from node:fs into an NdshareError that keeps its errno code.
 * `context` says what ndshare was doing ("create shm segment of 800000000 bytes").
 */
export function fromSystemError(err: unknown, context: string, path?: string): NdshareError {
  if (err instanceof NdshareError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as SystemErrorLike;
  // The addon raises errno names and, for what only it can see, a few ndshare codes; those keep
  // their own message (it already says what to do).
  const code = safeCode(e.code, 'ERR_NDSHARE_UNSUPPORTED');
  if (!isErrnoCode(code) && code !== 'ERR_NDSHARE_UNSUPPORTED' && typeof e.message === 'string') return new NdshareError(code, e.message, { cause: err });
  const syscall = typeof e.syscall === 'string' ? e.syscall : undefined;
  const where = path ?? (typeof e.path === 'string' ? e.path : undefined);
  const hint = ERRNO_HINTS[code] ?? '';
  const message = `Failed to ${context}: ${code}${syscall ? ` (${syscall})` : ''}${where ? ` on ${where}` : ''}${hint ? `. ${hint}` : ''}`;
  return new NdshareError(code, message, { syscall, path: where, cause: err });
}

const ERRNO_HINTS: Record<string, string> = {
  ENOSPC: 'Not enough free space for the segment (see `df -h /dev/shm`); free space or use a smaller array',
  ENOENT: 'No such segment or file: it was never created, or its creator already closed or unlinked it',
  EEXIST: 'Something already exists at that name or path; ndshare never reuses or overwrites it',
  ELOOP: 'The path is a symbolic link; ndshare refuses to follow links when creating',
  EACCES: 'Permission denied',
  EMFILE: 'This process has too many open files; close arrays you no longer need',
  ENOMEM: 'Not enough memory to map the array',
};
