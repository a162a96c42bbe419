/** `shm`: named POSIX shared memory, attached by name (the study's SharedMemory). */
import { attach } from '../core/attach.js';
import type { Method } from './types.js';
import { paramsProcessPlan, paramsThreadPlan } from './common.js';

export const shm: Method = {
  planProcess: async (array) => paramsProcessPlan(array.handle),
  planThread: async (array) => paramsThreadPlan(array.handle),
  receive: async (ctx) => ({ form: 'array', array: attach(ctx.params), locked: null }),
};
