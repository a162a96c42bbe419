/** `sab`: a SharedArrayBuffer posted to a running worker. Threads only: processes share no heap. */
import { attach } from '../attach.js';
import type { Method } from './types.js';
import { kSabBackings } from './common.js';

export const sab: Method = {
  info: {
    name: 'sab',
    title: 'SharedArrayBuffer posted to the worker',
    study: null,
    copies: false,
    kinds: {
      process: { supported: false, why: 'a SharedArrayBuffer lives in one process; another process cannot receive it (use shm, raw or inherit)' },
      thread: { supported: true, how: 'the SharedArrayBuffer is posted to the running worker with postMessage (shared, not cloned)' },
    },
  },
  requiredBacking: () => kSabBackings,
  planThread: async (array) => {
    const handle = array.threadHandle;
    return { params: null, transferList: [], start: async (io) => io.post(handle), dispose: async () => {} };
  },
  receive: async (ctx) => ({ form: 'array', array: attach(await ctx.nextData()), locked: null }),
};
