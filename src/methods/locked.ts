/**
 * `locked`: the study's ctypes Array (lock=True). The array is shared memory guarded by the
 * cross-process Mutex of ndshare/sync; the child receives a LockedArray and reads through the
 * lock. The parent holds the same Mutex as `peer.mutex`.
 */
import { Mutex } from '../sync/mutex.js';
import { LockedArray } from '../sync/locked-array.js';
import type { Method } from './types.js';
import { kSabBackings } from './common.js';

export const locked: Method = {
  info: {
    name: 'locked',
    title: 'Locked shared array (cross-process Mutex)',
    study: 'Array (ctypes, lock=True)',
    copies: false,
    kinds: {
      process: { supported: true, how: 'a shm array plus a robust futex Mutex; the child attaches both and reads through the lock' },
      thread: { supported: true, how: 'the same LockedArray, its buffer passed in workerData' },
    },
  },
  requiredBacking: (kind) => (kind === 'process' ? ['shm', 'memfd'] : kSabBackings),
  planProcess: async (array) => {
    const mutex = Mutex.create({ near: array });
    const params = { ndshare: 1, kind: 'locked-array', array: array.handle, mutex: mutex.handle };
    return { params, serialization: 'json', extraStdio: [], inherit: [], mutex, start: async () => {}, dispose: async () => mutex.close() };
  },
  planThread: async (array) => {
    const mutex = Mutex.create({ near: array });
    const params = { ndshare: 1, kind: 'locked-array', array: array.threadHandle, mutex: mutex.handle };
    return { params, transferList: [], mutex, start: async () => {}, dispose: async () => mutex.close() };
  },
  receive: async (ctx) => {
    const la = LockedArray.attach(ctx.params);
    return { form: 'array', array: la.array, locked: la };
  },
};
