/**
 * A FIFO at a .npy path (or under a segment name in /dev/shm) is refused before anything opens it in a way that has side effects.
 * Opening a FIFO read-write (even non-blocking) completes the open of a reader waiting at its
 * other end, so merely looking at a planted FIFO would release someone else's reader. Here a child
 * process is blocked in open(fifo, O_RDONLY) (seen in /proc/<pid>/wchan as wait_for_partner);
 * open(path) and attach() by file handle must each fail with a typed error while the child is
 * still blocked; then the test releases the child itself and the child reads what the test wrote.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { attach, NdshareError, open } from '../src/index.js';
import { deadline } from './helpers/channel.js';
import { runSync } from './helpers/process.js';

/** Where the kernel has the reader sleep until a writer opens the FIFO. */
const kFifoWait = 'wait_for_partner';

function wchan(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/wchan`, 'utf8').trim();
  } catch {
    return 'gone';
  }
}

/** Polls (with a deadline) until the child sleeps in the FIFO open: a handshake through /proc. */
async function untilBlockedInOpen(pid: number): Promise<void> {
  const end = performance.now() + 30_000;
  while (wchan(pid) !== kFifoWait) {
    if (performance.now() > end) assert.fail(`Expected the reader (pid ${pid}) to block in open() of the FIFO within 30000 ms; wchan is ${wchan(pid)}`);
    await delay(5);
  }
}

test('a FIFO at the path is refused without releasing a reader blocked on it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-fifo-'));
  const fifo = join(dir, 'planted.npy');
  // A FIFO planted under a segment name in /dev/shm, for attach() by shm handle.
  const shmName = `/ndshare-fifo-${process.pid}`;
  const shmFifo = `/dev/shm${shmName}`;
  try {
    for (const path of [fifo, shmFifo]) {
      const made = runSync('mkfifo', 'mkfifo', [path]);
      assert.equal(made.status, 0, made.stderr);
    }
    for (const [how, path, call] of [
      ['open(path)', fifo, () => open(fifo)],
      ['attach() by file handle', fifo, () => attach({ ndshare: 1, backing: 'file', path: fifo, dtype: 'float64', shape: [2] })],
      ["open(path, { mode: 'r' })", fifo, () => open(fifo, { mode: 'r' })],
      ['attach() by shm handle', shmFifo, () => attach({ ndshare: 1, backing: 'shm', name: shmName, dtype: 'float64', shape: [2] })],
    ] as const) {
      // The reader: sh opens the FIFO for reading (blocks until a writer comes), then prints what it reads.
      const reader = spawn('sh', ['-c', 'exec 3<"$0" && head -c 100 <&3', path], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      reader.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
      const exited = new Promise<number | null>((resolve) => reader.on('exit', (code) => resolve(code)));
      try {
        const pid = reader.pid ?? -1;
        await untilBlockedInOpen(pid);
        let caught: unknown;
        try {
          call();
        } catch (err) {
          caught = err;
        }
        const after = wchan(pid);
        t.diagnostic(`${how}: ${caught instanceof NdshareError ? `${caught.code}: ${caught.message}` : String(caught)}; the reader's wchan right after: ${after}`);
        assert.equal(after, kFifoWait, `${how} must not release the reader blocked in open() (its wchan is now ${after})`);
        assert.ok(caught instanceof NdshareError, `${how}: a typed error, got ${String(caught)}`);
        assert.equal(caught.code, 'ERR_NDSHARE_INVALID_ARGUMENT', caught.message);
        assert.match(caught.message, /regular file/);
      } finally {
        // Release the reader ourselves (it still waits for a writer if the test passed).
        try {
          const w = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
          writeSync(w, 'from-the-test');
          closeSync(w);
        } catch (err) {
          // ENXIO: no reader any more (it was released, read nothing and exited).
          t.diagnostic(`${how}: the test could not release the reader: ${(err as Error).message}`);
        }
        await deadline(exited, `the FIFO reader (pid ${reader.pid}) to exit`, 30_000, () => reader.kill('SIGKILL'));
      }
      assert.equal(out, 'from-the-test', `${how}: the reader got the test's bytes, so it was still waiting when the test released it`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(shmFifo, { force: true });
  }
});
