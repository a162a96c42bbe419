/** `mmap`: a memory-mapped .npy file, opened by path (the study's numpy.memmap). */
import { attach } from '../attach.js';
import type { Method } from './types.js';
import { paramsProcessPlan, paramsThreadPlan } from './common.js';

export const mmap: Method = {
  info: {
    name: 'mmap',
    title: 'Memory-mapped .npy file',
    study: 'memmap',
    copies: false,
    kinds: {
      process: { supported: true, how: 'the child maps the same .npy file (MAP_SHARED) by path' },
      thread: { supported: true, how: 'the worker maps the same .npy file by path' },
    },
  },
  requiredBacking: () => ['file'],
  planProcess: async (array) => paramsProcessPlan(array.handle),
  planThread: async (array) => paramsThreadPlan(array.handle),
  receive: async (ctx) => ({ form: 'array', array: attach(ctx.params), locked: null }),
};
