/**
 * `raw`: the study's RawArray, anonymous shared memory without a lock. The memfd is not inherited
 * at spawn: the child opens the parent's fd through /proc/<pid>/fd/<n> (same user), which is how
 * an anonymous segment reaches a process that was not started with it.
 */
import { attach } from '../core/attach.js';
import type { Method } from './types.js';
import { paramsProcessPlan, paramsThreadPlan } from './common.js';

export const raw: Method = {
  planProcess: async (array) => paramsProcessPlan(array.handle),
  planThread: async (array) => paramsThreadPlan(array.threadHandle),
  receive: async (ctx) => ({ form: 'array', array: attach(ctx.params), locked: null }),
};
