/**
 * Peak memory of a benchmark cell and the processes it started, with shared pages counted ONCE.
 *
 * Adding up each process's peak RSS (getrusage's maxrss) counts a page that two processes map
 * twice: a zero-copy method whose receiver reads an 800 MB segment would show 1.6 GB. Here the
 * orchestrator samples the cell's process tree from outside (so the sampling adds nothing to the
 * cell's own memory, and keeps running while the cell is busy filling its array), in a run of the
 * cell of its own whose times are not counted (the sampling takes CPU from the cell), and counts:
 *
 *   - private memory (RssAnon of /proc/<pid>/status) of every process, summed: it is theirs alone;
 *   - file pages (RssFile: the Node binary and libraries, a mapped .npy file) once, as the largest
 *     count among the processes: they all map the same binary, and a file method maps one file;
 *     a .npy file the processes hold open counts at its size even where nobody mapped its pages
 *     (it was written through the fd: the pages are in the page cache all the same);
 *   - shared memory (tmpfs: shm segments and memfds) once: the larger of the largest RssShmem
 *     among the processes and the resident bytes of the distinct shared objects they hold open
 *     (fstat of /proc/<pid>/fd/<n>, deduplicated by device and inode), which also counts pages
 *     written through an fd that nobody has mapped.
 *
 * What a sample cannot see: memory that lived between two samples only (they are kSampleMs
 * apart; the phases that matter last tens of milliseconds and more), and pages of two different
 * files or objects mapped by two different processes (not a case of the benchmark's methods).
 */
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';

/** How often the sampler looks, in milliseconds. */
export const kSampleMs = 5;

/** One sample of a process tree, in KiB. */
export interface Footprint {
  /** Private memory, summed over processes. */
  readonly anonKiB: number;
  /** File pages, counted once. */
  readonly fileKiB: number;
  /** Shared memory (tmpfs), counted once. */
  readonly shmemKiB: number;
  /** anon + file + shmem. */
  readonly totalKiB: number;
  /** Processes seen. */
  readonly pids: number;
}

/** `root` and every process below it (Linux /proc/<pid>/task/<tid>/children). */
export function processTree(root: number): number[] {
  const out: number[] = [];
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop() as number;
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    out.push(pid);
    for (const tid of tasks) {
      try {
        for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1').split(' ')) if (c.trim() !== '') todo.push(Number(c));
      } catch {
        // The thread ended meanwhile.
      }
    }
  }
  return out;
}

const kFields = { RssAnon: 'anon', RssFile: 'file', RssShmem: 'shmem' } as const;

/** RssAnon, RssFile and RssShmem of a process in KiB, or null when it is gone. */
export function rssOf(pid: number): { anon: number; file: number; shmem: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return null;
  }
  const out = { anon: 0, file: 0, shmem: 0 };
  for (const line of text.split('\n')) {
    const m = /^(RssAnon|RssFile|RssShmem):\s+(\d+) kB/.exec(line);
    if (m) out[kFields[m[1] as keyof typeof kFields]] = Number(m[2]);
  }
  return out;
}

/**
 * Adds the objects `pid` holds open whose pages may be in nobody's RSS (device:inode -> KiB) to
 * `shm` (shm segments, memfds: tmpfs pages, resident by definition) or `npy` (.npy files on a disk
 * file system: written through the fd, their pages sit in the page cache, dirty until written back).
 */
function heldObjects(pid: number, shm: Map<string, number>, npy: Map<string, number>): void {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return;
  }
  for (const fd of fds) {
    try {
      // stat follows the magic link to the object itself, memfds included.
      // tmpfs objects only: /dev/shm is a tmpfs; a memfd's link reads '/memfd:<name> (deleted)'.
      // A disk file's pages are counted as RssFile.
      const into = kindOf(pid, fd) === 'shm' ? shm : kindOf(pid, fd) === 'npy' ? npy : undefined;
      if (into === undefined) continue;
      const st = statSync(`/proc/${pid}/fd/${fd}`);
      if (!st.isFile()) continue;
      // Allocated bytes of the object, once per object.
      into.set(`${st.dev}:${st.ino}`, (st.blocks * 512) / 1024);
    } catch {
      // Closed meanwhile.
    }
  }
}

/** 'shm' for a shm segment or memfd, 'npy' for a .npy file elsewhere, else null. */
function kindOf(pid: number, fd: string): 'shm' | 'npy' | null {
  try {
    const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
    if (link.startsWith('/dev/shm/') || link.startsWith('/memfd:')) return 'shm';
    return link.endsWith('.npy') ? 'npy' : null;
  } catch {
    return null;
  }
}

/** One sample of the tree under `root`, shared pages counted once; null when the tree is gone. */
export function footprint(root: number): Footprint | null {
  return footprintOf(processTree(root));
}

/** One sample of the processes `pids` together, shared pages counted once; null when none is alive. */
export function footprintOf(pids: readonly number[]): Footprint | null {
  let anon = 0;
  let fileMax = 0;
  let fileMin = Infinity;
  let mapped = 0;
  const shmObjects = new Map<string, number>();
  const npyObjects = new Map<string, number>();
  let seen = 0;
  for (const pid of pids) {
    const r = rssOf(pid);
    if (r === null) continue;
    seen++;
    anon += r.anon;
    fileMax = Math.max(fileMax, r.file);
    fileMin = Math.min(fileMin, r.file);
    mapped = Math.max(mapped, r.shmem);
    heldObjects(pid, shmObjects, npyObjects);
  }
  if (seen === 0) return null;
  const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
  const shmem = Math.max(mapped, sum(shmObjects));
  // A .npy file's pages are in the page cache whether or not a process mapped them. With two
  // processes or more, the one with the fewest file pages holds the runtime's (the same Node
  // binary in each) and not the data; alone, a process's file pages may be either, and the larger
  // of the two is a lower bound.
  const npy = sum(npyObjects);
  const file = Math.max(fileMax, npy + (seen > 1 ? fileMin : 0));
  return { anonKiB: anon, fileKiB: file, shmemKiB: shmem, totalKiB: anon + file + shmem, pids: seen };
}

/** Samples a process tree every kSampleMs until stopped, keeping the largest total. */
export class MemorySampler {
  readonly #root: number;
  readonly #timer: NodeJS.Timeout;
  #peak: Footprint | null = null;

  constructor(root: number, intervalMs = kSampleMs) {
    this.#root = root;
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }

  /** Takes one sample now. */
  sample(): void {
    const f = footprint(this.#root);
    if (f !== null && (this.#peak === null || f.totalKiB > this.#peak.totalKiB)) this.#peak = f;
  }

  /** Stops sampling; the peak seen (null if the tree was never seen). */
  stop(): Footprint | null {
    clearInterval(this.#timer);
    return this.#peak;
  }

  get peak(): Footprint | null {
    return this.#peak;
  }
}
