/**
 * The only module that loads the C++ addon. Loading is lazy so that thread-only paths
 * (SharedArrayBuffer, heap) work on a machine where the addon was not built.
 */
import { createRequire } from 'node:module';
import { NdshareError } from '../errors.js';

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
  msync(buffer: SharedArrayBuffer, offset: number, length: number, sync: number): void;
  populate(buffer: SharedArrayBuffer): void;
  ofdLock(fd: number, type: LockType, start: number, length: number, wait?: boolean): boolean;
  ofdTest(fd: number, type: LockType, start: number, length: number): 0 | 1 | 2;
  futexWait(buffer: SharedArrayBuffer, byteOffset: number, expected: number, timeoutMs: number): FutexResult;
  futexWake(buffer: SharedArrayBuffer, byteOffset: number, count: number): number;
  futexWaitAsync(
    buffer: SharedArrayBuffer,
    byteOffset: number,
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
  /** Benchmark floors (native/floor.cc): seconds, or KiB for rusageChildren. */
  floorMemset(bytes: number, passes: number): number;
  floorFreshShared(bytes: number, reserve: 0 | 1): number;
  floorPipe(bytes: number): number;
  rusageChildren(): number;
}

/** 0 unlock, 1 shared (read), 2 exclusive (write). */
export type LockType = 0 | 1 | 2;
/** 0 woken (or spurious), 1 the word did not hold the expected value, 2 timed out. */
export type FutexResult = 0 | 1 | 2;

/** `mmap` flags understood by the addon. */
export const kMapPrivate = 1;
export const kMapPopulate = 2;
/** `memfd_create` flags (linux/memfd.h). */
export const MFD_CLOEXEC = 0x0001;
/** Linux open(2) flag missing from fs.constants; every fd ndshare opens gets it. */
export const O_CLOEXEC = 0o2000000;

let binding: NativeBinding | undefined;

/** Returns the addon, loading it on first use, or throws ERR_NDSHARE_NATIVE_MISSING with the fix. */
export function native(): NativeBinding {
  if (binding) return binding;
  const require = createRequire(import.meta.url);
  try {
    binding = require('../../../build/Release/ndshare.node') as NativeBinding;
  } catch (err) {
    throw new NdshareError(
      'ERR_NDSHARE_NATIVE_MISSING',
      'Expected the ndshare native addon at build/Release/ndshare.node for shared-memory backings but could not load it. ' +
        'Build it with `npm rebuild ndshare` (needs python3, make, g++ and Node headers); ' +
        "only the 'sab' and 'heap' backings work without it",
      { cause: err },
    );
  }
  return binding;
}
