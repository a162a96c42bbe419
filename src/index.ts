/** ndshare: share n-dimensional numeric arrays between Node.js processes and worker threads. */
export { create, type CreateOptions } from './core/create.js';
export { attach, open, type AttachOptions, type OpenOptions } from './core/attach.js';
export { NdArray, type Backing } from './core/ndarray.js';
export { NdView } from './core/view.js';
export { spawnWithArrays, forkWithArrays } from './core/spawn-with-arrays.js';
export { inheritedArrays, type InheritedOptions, type InheritedTuple } from './core/inherited-arrays.js';
export { NdshareError, ERROR_CODES, type NdshareErrorCode, type ErrnoCode } from './errors.js';
export { listSegments, removeSegment, sweepSegments, type SegmentInfo, type SegmentHeader, type Liveness, type RemoveOptions, type RemoveOutcome, type SweepResult } from './core/admin.js';
export { DTYPES, type DType, type DTypeLike, type DTypeOf, type Descr, type DescrMap, type DescrOf, type TypedArrayMap, type AnyTypedArray, type ElementOf } from './core/dtype.js';
export type { Handle, ShmHandle, MemfdHandle, FileHandle, SabHandle } from './core/handle.js';
export type { Mode, Order } from './core/validate.js';
export * from './sync/index.js';
export { SegmentPool, type PoolOptions, type ReleaseResult } from './core/pool.js';
export { METHODS, methodInfo, supports, createFor, checksum, share, receive, Peer, type CreateForOptions, type ReceiveOptions, type ShareOptions, type PeerExit, type Receiver, type Kind, type MethodInfo, type MethodName, type MethodParams, type Support, type ManagerClient, type BuildSpec } from './share/index.js';
export { publish, fetchArray, listCache, evictCache, COMPRESSORS, type PublishOptions, type PublishResult, type TransferProgress, type FetchOptions, type CacheEntry, type Compressor, type ZarrFormat } from './zarr/index.js';
