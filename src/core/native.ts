/**
 * The only module that loads the native addons. Loading is lazy so that thread-only paths
 * (SharedArrayBuffer, heap) work on a machine without them. Which file is loaded, in order:
 *   1. build/Release/<name>.node, a build from source (`npm rebuild ndshare`, or a git checkout);
 *   2. prebuilds/<platform>-<arch>/<name>.napi.node, the prebuilt binary shipped in the package.
 * Both are Node-API, so one file serves Node 20 to 26. On Node 20, which lacks
 * node_api_create_external_sharedarraybuffer, the addon also loads a small per-ABI shim
 * (ndshare_v8sab, from the same two places) for that one call. docs/native.md has the details.
 */
import { existsSync } from 'node:fs';
import { NdshareError } from '../errors.js';
import { packageRoot as kRoot } from './package-root.js';

/** The flat list of native functions (see native/*.cc). Private: never exported from the package. */
export interface NativeBinding {
  readonly pageSize: number;
  shmOpen(name: string, oflag: number, mode: number): number;
  shmUnlink(name: string): void;
  openFd(path: string, oflag: number, mode: number): number;
  closeFd(fd: number): void;
  memfdCreate(name: string, flags: number): number;
  fallocate(fd: number, offset: number, length: number): void;
  mmap(fd: number, length: number, offset: number, flags: number): SharedArrayBuffer;
  /** msync of [offset, offset + length) bytes of `view` (a view over a mapping). */
  msync(view: Uint8Array, offset: number, length: number, sync: number): void;
  /** Prefaults the pages under `view` for writing (MADV_POPULATE_WRITE). */
  populate(view: Uint8Array): void;
  /** Writes `item` (one element's 1, 2, 4 or 8 bytes) repeated over [position, position + length) of `fd`, with `threads` writers. */
  fillFd(fd: number, position: number, length: number, item: Uint8Array, threads: number): void;
  /** Maps the pages under `view` for reading now (MADV_POPULATE_READ, or a read per page), with `threads` threads. */
  prefault(view: Uint8Array, threads: number): void;
  /**
   * Advice for a heap buffer about to be filled: huge pages (MADV_HUGEPAGE) and every whole page
   * under `view` mapped now (MADV_POPULATE_WRITE). Never throws for the advice; true if populated.
   */
  prepareHeap(view: Uint8Array, populate?: boolean): boolean;
  /**
   * Replaces, in place, the mapping under `view` (a Uint8Array over the whole SharedArrayBuffer of a
   * mapping made by `mmap`) with private zero pages: the views stay valid and read zeros, and the
   * shared object loses this reference. Throws a TypeError for any other view.
   */
  remapZero(view: Uint8Array): void;
  /** fcntl(F_ADD_SEALS): adds `seals` (F_SEAL_* bits) to a memfd created with MFD_ALLOW_SEALING. */
  addSeals(fd: number, seals: number): void;
  /** fcntl(F_GET_SEALS): the seals of a memfd. */
  getSeals(fd: number): number;
  ofdLock(fd: number, type: LockType, start: number, length: number, wait?: boolean): boolean;
  ofdTest(fd: number, type: LockType, start: number, length: number): 0 | 1 | 2;
  /** Futex calls on words[index] of an Int32Array over a shared mapping (index in words, as Atomics.wait). */
  futexWait(words: Int32Array, index: number, expected: number, timeoutMs: number): FutexResult;
  futexWake(words: Int32Array, index: number, count: number): number;
  futexWaitAsync(
    words: Int32Array,
    index: number,
    expected: number,
    timeoutMs: number,
    callback: (result: FutexResult) => void,
  ): void;
  gettid(): number;
  /** Closes `fd` when this thread's Node environment ends (worker.terminate(), exit); see native/sync.cc. */
  closeOnThreadExit(fd: number): void;
  /** Undoes closeOnThreadExit before the caller closes `fd` itself. */
  cancelCloseOnThreadExit(fd: number): void;
  /** shm_unlink(name) when this thread's Node environment ends, terminate() included (native/mem.cc). */
  shmUnlinkOnThreadExit(name: string): void;
  /** Undoes shmUnlinkOnThreadExit (the creator removed the name itself). */
  cancelShmUnlinkOnThreadExit(name: string): void;
  /** How this Node gets an external SharedArrayBuffer over a mapping ('none' until the shim is loaded). */
  sabSupport(): 'node-api' | 'shim' | 'none';
  /** dlopen()s the Node 20 shim (ndshare_v8sab) that creates external SharedArrayBuffers. */
  loadSabShim(path: string): void;
}

/** The benchmark-only addon (native/floor.cc): seconds, or KiB for rusageChildren. */
export interface FloorBinding {
  floorMemset(bytes: number, passes: number, threads: number): number;
  /** how: 0 faults, 1 fallocate + MAP_POPULATE, 2 pwritev through the fd, 3 fallocate + prefault and fill per thread. */
  floorFreshShared(bytes: number, how: FreshSharedHow, threads: number): number;
  /** how: 0 memset through a populated, never-written mapping, 1 pwritev through the fd (a pooled segment's refill). */
  floorRefill(bytes: number, how: RefillHow, threads: number): number;
  floorPipe(bytes: number): number;
  /** Fastest of `passes` passes of `threads` threads streaming over faulted shared pages: read (0) or write (1). */
  floorBandwidth(bytes: number, threads: number, write: 0 | 1, passes: number): number;
  /** CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID), seconds. */
  threadCpuSeconds(): number;
  rusageChildren(): number;
}

/** The ways floorFreshShared can make fresh shared pages (native/floor.cc). */
export type FreshSharedHow = 0 | 1 | 2 | 3;
/** The ways floorRefill can refill allocated shared pages (native/floor.cc). */
export type RefillHow = 0 | 1;

/** 0 unlock, 1 shared (read), 2 exclusive (write). */
export type LockType = 0 | 1 | 2;
/** 0 woken (or spurious), 1 the word did not hold the expected value, 2 timed out. */
export type FutexResult = 0 | 1 | 2;

/** `mmap` flags understood by the addon. */
export const kMapPrivate = 1;
export const kMapPopulate = 2;
/** `memfd_create` flags (linux/memfd.h). */
export const MFD_CLOEXEC = 0x0001;
export const MFD_ALLOW_SEALING = 0x0002;
/** memfd seals (linux/fcntl.h). FUTURE_WRITE needs Linux 5.1. */
export const F_SEAL_SEAL = 0x0001;
export const F_SEAL_SHRINK = 0x0002;
export const F_SEAL_GROW = 0x0004;
export const F_SEAL_FUTURE_WRITE = 0x0010;
/** Linux open(2) flag missing from fs.constants; every fd ndshare opens gets it. */
export const O_CLOEXEC = 0o2000000;

/**
 * Loads one addon file with process.dlopen, which is what require() does for a .node file, without
 * node:module: a receiver that loads the addon this way starts about 2 ms sooner (docs/benchmark.md,
 * "The receive path as one file", build B). Each caller caches what it loads (`binding`, `floor`).
 */
function dlopen<T>(path: string): T {
  const module = { exports: {} as T };
  process.dlopen(module, path);
  return module.exports;
}

/** Where a native file may be, in the order tried (relative to the package root). */
function candidates(name: string, prebuiltTag: string): string[] {
  return [`build/Release/${name}.node`, `prebuilds/${process.platform}-${process.arch}/${name}.${prebuiltTag}.node`];
}

const kFix =
  'Reinstall where a prebuilt binary exists (linux-x64 and linux-arm64 with glibc; see the README) or build it from source with ' +
  '`npm rebuild ndshare` (needs python3, make and g++)';

/** Loads the first candidate that loads, or throws ERR_NDSHARE_NATIVE_MISSING naming every attempt. */
function loadFirst<T>(name: string, what: string): T {
  const tried: string[] = [];
  for (const rel of candidates(name, 'napi')) {
    const path = kRoot + rel;
    if (!existsSync(path)) {
      tried.push(`${rel}: not found`);
      continue;
    }
    try {
      return dlopen<T>(path);
    } catch (err) {
      tried.push(`${rel}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
  }
  throw new NdshareError(
    'ERR_NDSHARE_NATIVE_MISSING',
    `Expected the ndshare native addon for ${what} but could not load it (${tried.join('; ')}). ${kFix}; ` +
      "only the 'sab' and 'heap' backings work without it",
  );
}

/** On a Node without external SharedArrayBuffers in Node-API (20), loads the shim for its ABI. */
function ensureSab(b: NativeBinding): void {
  if (b.sabSupport() !== 'none') return;
  const tried: string[] = [];
  for (const rel of candidates('ndshare_v8sab', `abi${process.versions.modules}`)) {
    if (!existsSync(kRoot + rel)) {
      tried.push(`${rel}: not found`);
      continue;
    }
    try {
      b.loadSabShim(kRoot + rel);
      return;
    } catch (err) {
      tried.push(`${rel}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  throw new NdshareError(
    'ERR_NDSHARE_NATIVE_MISSING',
    `Expected the ndshare shim for Node ${process.version} (ABI ${process.versions.modules}), which lacks node_api_create_external_sharedarraybuffer, ` +
      `but could not load it (${tried.join('; ')}). ${kFix}, or use Node 22 or later`,
  );
}

let binding: NativeBinding | undefined;
let floor: FloorBinding | undefined;

/** Returns the addon, loading it on first use, or throws ERR_NDSHARE_NATIVE_MISSING with the fix. */
export function native(): NativeBinding {
  if (binding) return binding;
  const b = loadFirst<NativeBinding>('ndshare', 'shared-memory backings');
  ensureSab(b);
  binding = b;
  return binding;
}

/** The benchmark-only addon (physical floors, children's peak RSS). */
export function floorNative(): FloorBinding {
  floor ??= loadFirst<FloorBinding>('ndshare_floor', 'the benchmark floors');
  return floor;
}
