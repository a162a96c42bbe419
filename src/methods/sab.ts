/** `sab`: a SharedArrayBuffer posted to a running worker. Threads only: processes share no heap. */
import { attach } from '../core/attach.js';
import type { Method } from './types.js';

export const sab: Method = {
  planThread: async (array) => {
    const handle = array.threadHandle;
    return { params: null, transferList: [], start: async (io) => io.post(handle), dispose: async () => {} };
  },
  receive: async (ctx) => ({ form: 'array', array: attach(await ctx.nextData()), locked: null }),
};
