/**
 * Every word of a synchronization segment (src/sync), in one place: a small int32 .npy segment
 * whose data holds these words. Word indexes, not byte offsets; every futex word is 4-byte aligned
 * at the segment's data page.
 */
export const kSyncWords = 16;
/** Which object a sync segment holds (checked on attach, so a barrier handle cannot open a mutex). */
export const kSyncKindWord = 0;
export const kSyncKindMutex = 0x6d757478; // 'mutx'
export const kSyncKindBarrier = 0x62617272; // 'barr'
/** Mutex: 0 free, else owner id | kMutexWaitersBit; kMutexNotRecoverable once recovery was refused. */
export const kMutexStateWord = 1;
/** Mutex: bumped by every acquire, so an owner can tell its acquisition from a later one (ABA). */
export const kMutexGenerationWord = 2;
/** Mutex: kMutexConsistent, or kMutexRecovering after an owner died until markConsistent(). */
export const kMutexConsistencyWord = 3;
/**
 * Mutex: the counter owner ids come from (Atomics.add, once per attach). An owner id names one
 * attachment (one Mutex object) in every process and PID namespace that shares the segment; a
 * kernel thread id would not: the main threads of two containers sharing /dev/shm are both tid 1.
 */
export const kMutexOwnerCounterWord = 4;
export const kMutexWaitersBit = 0x40000000;
export const kMutexOwnerMask = 0x3fffffff;
export const kMutexNotRecoverable = 0x3fffffff;
/** Owner ids run from 1 to kMutexOwnerIds (0 means free; kMutexNotRecoverable is reserved), then wrap. */
export const kMutexOwnerIds = kMutexNotRecoverable - 1;
export const kMutexConsistent = 0;
export const kMutexRecovering = 1;
/**
 * Mutex owner liveness: each attachment holds an exclusive OFD lock on the byte kOwnerLockBase +
 * its owner id of the segment's fd, for as long as it is attached. The kernel drops it when the fd
 * closes (process death, worker teardown), which is how waiters detect owner death; being
 * exclusive, it also proves that no live attachment uses the same id after the counter wrapped.
 * Far beyond the end of the file (locks may cover any offset), clear of the liveness byte.
 */
export const kOwnerLockBase = 2 ** 32;
/** Barrier: arrivals in the current round, the round number (futex word), parties, broken flag. */
export const kBarrierCountWord = 1;
export const kBarrierRoundWord = 2;
export const kBarrierPartiesWord = 3;
export const kBarrierBrokenWord = 4;
/**
 * Longest single futex sleep. Waiters wake at least this often to check owner liveness (owner
 * death has no wake-up of its own) and so that shutdown never waits on a sleeping pool thread.
 */
export const kSyncWaitSliceMs = 10;
