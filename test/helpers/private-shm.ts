/**
 * Runs a test file again inside a private mount namespace whose /dev/shm is a fresh, small tmpfs
 * (`unshare -m` plus `mount -t tmpfs`, as root). Tests that count segments, reclaim dead ones or
 * fill /dev/shm need this: on a shared machine, other suites' create() calls sweep dead segments
 * too and other suites' segments come and go, which would make "our sweep removed it" or "the
 * tmpfs is back to empty" unprovable. The host's /dev/shm is never touched.
 */
import { spawn } from 'node:child_process';
import { readFileSync, statfsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const kEnv = 'NDSHARE_TEST_PRIVATE_SHM';

/** True inside the private namespace (the inner run). */
export function inPrivateShm(): boolean {
  return process.env[kEnv] === '1';
}

/** How the inner run ended, with its whole output (TAP) for the assertion message. */
export interface PrivateRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly output: string;
}

/** Why a private /dev/shm cannot be had here, or undefined if it can (root and unshare). */
export function privateShmUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root for unshare -m and mount';
  return undefined;
}

function innerEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra, [kEnv]: '1' };
  // Under `node --test` this variable makes a test file speak the runner's binary protocol; the
  // inner run is read by us, so it must write plain TAP.
  delete env['NODE_TEST_CONTEXT'];
  return env;
}

/** Longest an inner run may take before it is killed and reported (it never hangs the suite). */
const kInnerDeadlineMs = 240_000;

/**
 * Runs the compiled test `fileUrl` (pass `import.meta.url`) under `unshare -m` with a private
 * tmpfs of `sizeMiB` on /dev/shm. The inner run sees `inPrivateShm() === true`. It reports in TAP,
 * chosen explicitly: the default reporter of Node >= 23 is not TAP, and `assertInnerPassed` reads it.
 */
export function runInPrivateShm(fileUrl: string, sizeMiB: number, extraEnv: NodeJS.ProcessEnv = {}): Promise<PrivateRun> {
  const file = fileURLToPath(fileUrl);
  // exec keeps the process tree flat: the test's node is the direct child of unshare.
  const script = `mount -t tmpfs -o size=${sizeMiB}m,mode=1777 tmpfs /dev/shm && exec "$0" --test-reporter=tap "$1"`;
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, process.execPath, file], {
      env: innerEnv(extraEnv),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: string[] = [];
    const deadline = setTimeout(() => {
      chunks.push(`\n[private-shm] the inner run of ${file} did not finish within ${kInnerDeadlineMs} ms: killed\n`);
      child.kill('SIGKILL');
    }, kInnerDeadlineMs);
    child.stdout.setEncoding('utf8').on('data', (s: string) => chunks.push(s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => chunks.push(s));
    child.on('error', (err) => {
      clearTimeout(deadline);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(deadline);
      resolve({ code, signal, output: chunks.join('') });
    });
  });
}

/** Bytes in use on the tmpfs at /dev/shm (exact inside a private namespace). */
export function shmUsedBytes(): number {
  const st = statfsSync('/dev/shm');
  return (st.blocks - st.bfree) * st.bsize;
}

/** `Shmem` from /proc/meminfo, in bytes: every tmpfs/shm page on the machine. */
export function meminfoShmem(): number {
  const m = /^Shmem:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return Number(m?.[1] ?? NaN) * 1024;
}

/** Fails unless the inner run exited 0 having passed at least `tests` tests (so it cannot pass by running none). */
export function assertInnerPassed(r: PrivateRun, tests: number): void {
  const pass = Number(/^# pass (\d+)$/m.exec(r.output)?.[1] ?? 0);
  if (r.code !== 0 || pass < tests) {
    throw new Error(`Expected the private-/dev/shm run to pass ${tests} test(s) but it exited with ${r.code ?? r.signal} after passing ${pass}:\n${r.output}`);
  }
}
