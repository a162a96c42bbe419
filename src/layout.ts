/**
 * Every byte offset, size and name pattern ndshare relies on, in one place. A shared segment and a
 * mapped file share one layout: a NumPy .npy file (format 1.0) whose header is padded so that the
 * data starts on a page boundary, which lets ndshare map the data alone and NumPy map the file.
 */

/** `\x93NUMPY` */
export const kNpyMagic = Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59);
export const kMagicOffset = 0;
export const kVersionMajorOffset = 6;
export const kVersionMinorOffset = 7;
export const kHeaderLenOffset = 8;
/** Bytes before the header text: magic, version, then a u16 (v1) or u32 (v2, v3) header length. */
export const kPreludeLengthV1 = 10;
export const kPreludeLengthV2 = 12;
/**
 * Largest header text ndshare reads. Checked before anything is read, so a hostile length field
 * (up to 2^32-1) cannot make ndshare allocate or read gigabytes. NumPy's own default is 10,000.
 */
export const kMaxHeaderLength = 65536;
/** NumPy pads headers so that data starts at a multiple of this. */
export const kNpyAlignment = 64;
/** Where data starts in segments and files that ndshare writes (one page). */
export const kSegmentDataOffset = 4096;

/**
 * Liveness: every process (and thread) that opens a shared segment holds a shared OFD lock on
 * this byte range of the segment's file. An OFD lock lives as long as its open file description,
 * and a mapping keeps the description alive: so the lock is held while the fd is open OR the
 * memory is still mapped (a closed NdArray whose buffer is not yet garbage-collected still counts),
 * and the kernel drops it when the last of those goes, including when the process dies. "Nobody
 * holds it" therefore means "nobody can touch the memory", without trusting PIDs.
 */
export const kLivenessLockStart = 0;
export const kLivenessLockLength = 1;

/** Segment names are `/ndshare-<creator pid>-<32 hex digits: 128 random bits>`. */
export const kSegmentPrefix = 'ndshare-';
export const kNameRandomBytes = 16;
export const kSegmentNamePattern = /^\/?ndshare-(\d+)-([0-9a-f]{32})$/;
/** Where Linux exposes POSIX shared memory objects. */
export const kShmDir = '/dev/shm';

/** Largest element count V8 accepts for one TypedArray on 64-bit (Node 20). */
export const kMaxTypedArrayLength = 2 ** 32;

/** Environment variable through which a parent tells a child which fds carry arrays. */
export const kInheritEnv = 'NDSHARE_INHERIT';

/**
 * Synchronization segments (src/sync): a small int32 .npy segment whose data holds these words.
 * Word indexes, not byte offsets; every futex word is 4-byte aligned at the segment's data page.
 */
export const kSyncWords = 16;
/** Which object a sync segment holds (checked on attach, so a barrier handle cannot open a mutex). */
export const kSyncKindWord = 0;
export const kSyncKindMutex = 0x6d757478; // 'mutx'
export const kSyncKindBarrier = 0x62617272; // 'barr'
/** Mutex: 0 free, else owner tid | kMutexWaitersBit; kMutexNotRecoverable once recovery was refused. */
export const kMutexStateWord = 1;
/** Mutex: bumped by every acquire, so an owner can tell its acquisition from a later one (ABA). */
export const kMutexGenerationWord = 2;
/** Mutex: kMutexConsistent, or kMutexRecovering after an owner died until markConsistent(). */
export const kMutexConsistencyWord = 3;
export const kMutexWaitersBit = 0x40000000;
export const kMutexTidMask = 0x3fffffff;
export const kMutexNotRecoverable = 0x3fffffff;
export const kMutexConsistent = 0;
export const kMutexRecovering = 1;
/**
 * Mutex owner liveness: each thread that attached a mutex holds a shared OFD lock on the byte
 * kOwnerLockBase + its tid of the segment's fd, for as long as it is attached. The kernel drops
 * it when the fd closes (process death, worker teardown), which is how waiters detect owner death.
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
