/** `mmap`: a memory-mapped .npy file, opened by path (the study's numpy.memmap). */
import { attach } from '../core/attach.js';
import type { Method } from './types.js';
import { paramsProcessPlan, paramsThreadPlan } from './common.js';

export const mmap: Method = {
  planProcess: async (array) => paramsProcessPlan(array.handle),
  planThread: async (array) => paramsThreadPlan(array.handle),
  receive: async (ctx) => ({ form: 'array', array: attach(ctx.params), locked: null }),
};
