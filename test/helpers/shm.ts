/**
 * Snapshots of the ndshare entries in /dev/shm, so a test can prove it left /dev/shm as it found
 * it. Only `ndshare-*` names are compared: other engineers' tests may run at the same time, so
 * the check is on names that appeared, never on a total count.
 */
import { existsSync, readdirSync } from 'node:fs';

/** Names (without the leading slash) of ndshare segments currently in /dev/shm. */
export function shmEntries(): Set<string> {
  return new Set(readdirSync('/dev/shm').filter((n) => n.startsWith('ndshare-')));
}

/** True if a shm segment (given as '/name' or 'name') exists right now. */
export function shmExists(name: string): boolean {
  return existsSync(`/dev/shm/${name.replace(/^\//, '')}`);
}

/** A snapshot to compare with later. */
export class ShmSnapshot {
  readonly #before: Set<string>;

  constructor() {
    this.#before = shmEntries();
  }

  /** ndshare names created since the snapshot and still present. */
  added(): string[] {
    return [...shmEntries()].filter((n) => !this.#before.has(n));
  }

  /**
   * Names created since the snapshot by `pid` (ndshare names carry the creator pid), this process
   * by default. Filtering by pid keeps the check exact while other suites run.
   */
  addedBy(pid: number = process.pid): string[] {
    return this.added().filter((n) => n.startsWith(`ndshare-${pid}-`));
  }
}
