/** Counting this process's open file descriptors, to prove a test closed what it opened. */
import { readdirSync, readlinkSync } from 'node:fs';

/** fd number -> what it points to, for every fd open in this process right now. */
export function openFds(): Map<number, string> {
  const out = new Map<number, string>();
  for (const e of readdirSync('/proc/self/fd')) {
    try {
      out.set(Number(e), readlinkSync(`/proc/self/fd/${e}`));
    } catch {
      // The fd readdir itself used is gone by now; it was never ours to count.
    }
  }
  return out;
}

/** Snapshot of open fds; `leaked()` lists fds opened since, described by their targets. */
export class FdSnapshot {
  readonly #before: Map<number, string>;

  constructor() {
    this.#before = openFds();
  }

  /**
   * fds that are open now but were not (or pointed elsewhere) at the snapshot, restricted to the
   * kinds ndshare opens (memfd, /dev/shm, regular files), so that libuv's own sockets and pipes,
   * which come and go with child processes, do not make the check flaky.
   */
  leaked(): string[] {
    const out: string[] = [];
    for (const [fd, target] of openFds()) {
      if (this.#before.get(fd) === target) continue;
      if (/^(\/memfd:|\/dev\/shm\/|\/(?!proc|dev))/.test(target)) out.push(`${fd} -> ${target}`);
    }
    return out;
  }
}
