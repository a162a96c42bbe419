/** ndshare: share n-dimensional numeric arrays between Node.js processes and worker threads. */
export { create, type CreateOptions } from './create.js';
export { attach, open, type AttachOptions, type OpenOptions } from './attach.js';
export { NdArray, type Backing } from './ndarray.js';
export { spawnWithArrays, forkWithArrays, inheritedArrays } from './inherit.js';
export { NdshareError, ERROR_CODES, type NdshareErrorCode } from './errors.js';
export { listSegments, removeSegment, sweepSegments, type SegmentInfo, type SegmentHeader, type Liveness, type RemoveOptions, type RemoveOutcome, type SweepResult } from './segments.js';
export { DTYPES, type DType, type TypedArrayMap, type AnyTypedArray, type ElementOf } from './dtype.js';
export type { Handle, ShmHandle, MemfdHandle, FileHandle, SabHandle } from './handle.js';
export type { Mode, Order } from './validate.js';
export * from './sync/index.js';
export { SegmentPool, type PoolOptions, type ReleaseResult } from './pool.js';
export { METHODS, methodInfo, supports, createFor, checksum, share, receive, Peer, type CreateForOptions, type ShareOptions, type PeerExit, type Receiver, type Kind, type MethodInfo, type MethodName, type MethodParams, type Support, type ManagerClient } from './methods/index.js';
