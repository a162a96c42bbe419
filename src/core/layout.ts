/**
 * Every byte offset, size and name pattern ndshare relies on, in one place. A shared segment and a
 * mapped file share one layout: a NumPy .npy file (format 1.0) whose header is padded so that the
 * data starts on a page boundary, which lets ndshare map the data alone and NumPy map the file.
 */

/** `\x93NUMPY` */
export const kNpyMagic = Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59);
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

/** Permission bits of every segment and (by default) every file ndshare creates: this user only. */
export const kSegmentMode = 0o600;
