/**
 * The module a child process or worker thread runs (`share()`'s `entry`, `forkWithArrays`'
 * module), resolved and checked before anything is spawned or allocated for it.
 *
 * Accepted: a `file:` URL (a URL object, or a string such as `import.meta.resolve()` returns) or
 * an absolute path. Refused: a relative path. Node would resolve it against `process.cwd()`, not
 * against the module that wrote it, so the same `'./child.js'` names another file, or none, when
 * the app is started from another directory; and the mistake would show only once a child had
 * been spawned and failed. `new URL('./child.js', import.meta.url)` names the file next to the
 * calling module wherever the app starts; `path.resolve('child.js')` says "the current directory"
 * on purpose.
 */
import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { escapeText, invalid, NdshareError, quoted } from '../errors.js';

/** Longest part of a path repeated in a message (paths are long; they are still untrusted text). */
const kPathTextMax = 1000;

/**
 * The absolute path of the module file `entry` names. Throws ERR_NDSHARE_INVALID_ARGUMENT, naming
 * `what` and the resolved path, for a relative path, a URL that is not `file:`, or a path that
 * does not exist or is not a file.
 */
export function resolveModulePath(entry: unknown, what: string): string {
  const path = toPath(entry, what);
  const shown = escapeText(path, kPathTextMax);
  const from = entry instanceof URL || (typeof entry === 'string' && entry !== path) ? ` (from ${escapeText(String(entry), kPathTextMax)})` : '';
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why = code === 'ENOENT' || code === 'ENOTDIR' ? 'it does not exist' : `it cannot be read (${typeof code === 'string' ? code : String(err)})`;
    throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', `Expected an existing module file for ${what} but ${why}: ${shown}${from}`, { path, cause: err });
  }
  if (!isFile) throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', `Expected a module file for ${what} but it is not a regular file (a directory?): ${shown}${from}`, { path });
  return path;
}

function toPath(entry: unknown, what: string): string {
  let url: URL | undefined;
  if (entry instanceof URL) url = entry;
  else if (typeof entry === 'string' && /^file:/i.test(entry)) {
    try {
      url = new URL(entry);
    } catch {
      return invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'a valid file: URL', what, entry);
    }
  }
  if (url !== undefined) {
    if (url.protocol !== 'file:') return invalid('ERR_NDSHARE_INVALID_ARGUMENT', `a file: URL or an absolute path (not a ${escapeText(url.protocol)} URL)`, what, url.href);
    try {
      return fileURLToPath(url);
    } catch (err) {
      throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', `Expected a local file: URL for ${what} but received ${quoted(url.href)}: ${(err as Error).message}`, { cause: err });
    }
  }
  if (typeof entry !== 'string' || entry.length === 0 || entry.includes('\0')) return invalid('ERR_NDSHARE_INVALID_ARGUMENT', 'a module path or file: URL', what, entry);
  if (!isAbsolute(entry)) {
    const text = quoted(entry);
    throw new NdshareError(
      'ERR_NDSHARE_INVALID_ARGUMENT',
      `Expected a file: URL or an absolute path for ${what} but received the relative path ${text}, which would be resolved against the current directory ` +
        `(${escapeText(process.cwd(), kPathTextMax)}), not against your module. For the file next to your module pass new URL(${text}, import.meta.url); ` +
        `to mean the current directory, pass path.resolve(${text})`,
    );
  }
  return entry;
}
