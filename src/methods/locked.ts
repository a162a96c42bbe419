/**
 * `locked`: the study's ctypes Array (lock=True). The array is shared memory guarded by the
 * cross-process Mutex of ndshare/sync; the child receives a LockedArray and reads through the
 * lock. The parent holds the same Mutex as `peer.mutex`.
 */
import { Mutex } from '../sync/mutex.js';
import { LockedArray } from '../sync/locked-array.js';
import type { Method } from './types.js';

export const locked: Method = {
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
