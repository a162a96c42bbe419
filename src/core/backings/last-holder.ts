/**
 * Giving memory back at close() instead of at garbage collection, for 'shm' and 'memfd'.
 *
 * A closed array's mapping used to stay until every view of it was collected, and with it the
 * tmpfs space or memfd memory: in a 64 MiB /dev/shm a second 40 MiB create after a close failed.
 * When no other open file description holds the liveness lock, no other ndshare user (process, or
 * thread with its own attach) reaches the memory, so the views left here are stale: the mapping
 * under them is replaced, in place, by private zero pages (native remapZero). The addresses stay
 * mapped, so a stale view never faults: it reads zeros, and its writes go to private memory of this
 * process, never to the object. With the fd closed (and the name gone) the kernel then frees the
 * object at once, unless someone outside ndshare's locks still maps it (NumPy's `np.load(path)`,
 * a child that inherited the fd): their memory stays valid, and goes when they are done.
 *
 * Why not punch the pages out of the object (fallocate PUNCH_HOLE)? A view over a punched shared
 * mapping refaults fresh tmpfs pages when read, so it takes the space back and dies of SIGBUS when
 * the tmpfs is full (measured in a 1 MiB tmpfs), it would zero memory that lockless mappers still
 * use, it needs write access, and a memfd sealed with F_SEAL_FUTURE_WRITE refuses it (EPERM).
 *
 * Why a lock *test* and not the exclusive lock the sweeper takes: replacing this process's own
 * mapping cannot harm anyone else (a holder that attaches meanwhile has its own mapping), and an fd
 * opened read-only ('r', 'c') may not take a write lock. What the test decides is only whether the
 * views here still share live data with another holder (then they keep doing so, as before).
 *
 * Never after a thread handle was taken: another thread's views are this very mapping.
 */
import { kLivenessLockLength, kLivenessLockStart } from '../layout.js';
import { native } from '../native.js';
import type { ArrayState } from '../ndarray.js';

/** True when no other open file description holds the liveness lock of `fd` (shm or memfd). */
export function isLastHolder(fd: number): boolean {
  return native().ofdTest(fd, 2, kLivenessLockStart, kLivenessLockLength) === 0;
}

/**
 * Replaces this process's mapping `buffer` of the object behind `fd` by zero pages if `fd` is its
 * last holder. The caller promises that no other thread uses views of `buffer`. True if it did.
 */
export function releaseIfLastHolder(fd: number, buffer: SharedArrayBuffer): boolean {
  if (fd < 0 || buffer.byteLength === 0 || !isLastHolder(fd)) return false;
  native().remapZero(new Uint8Array(buffer));
  return true;
}

/** `BackingOps.releaseMemory` of 'shm' and 'memfd' (see the module comment). */
export function releaseMemory(s: ArrayState): void {
  if (s.handedOut === 'thread' || !(s.buffer instanceof SharedArrayBuffer)) return;
  releaseIfLastHolder(s.fd, s.buffer);
}
