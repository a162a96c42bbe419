/** `shm`: named POSIX shared memory, attached by name (the study's SharedMemory). */
import { attach } from '../attach.js';
import type { Method } from './types.js';
import { paramsProcessPlan, paramsThreadPlan } from './common.js';

export const shm: Method = {
  info: {
    name: 'shm',
    title: 'Named shared memory (POSIX shm)',
    study: 'SharedMemory',
    copies: false,
    kinds: {
      process: { supported: true, how: 'the child attaches the segment by its name (/dev/shm/ndshare-...)' },
      thread: { supported: true, how: 'the worker attaches the segment by its name (a second mapping of the same memory)' },
    },
  },
  requiredBacking: () => ['shm'],
  planProcess: async (array) => paramsProcessPlan(array.handle),
  planThread: async (array) => paramsThreadPlan(array.handle),
  receive: async (ctx) => ({ form: 'array', array: attach(ctx.params), locked: null }),
};
