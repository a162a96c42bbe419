/**
 * `raw`: the study's RawArray, anonymous shared memory without a lock. The memfd is not inherited
 * at spawn: the child opens the parent's fd through /proc/<pid>/fd/<n> (same user), which is how
 * an anonymous segment reaches a process that was not started with it.
 */
import { attach } from '../attach.js';
import type { Method } from './types.js';
import { kSabBackings, paramsProcessPlan, paramsThreadPlan } from './common.js';

export const raw: Method = {
  info: {
    name: 'raw',
    title: 'Anonymous shared memory, no lock (memfd)',
    study: 'RawArray',
    copies: false,
    kinds: {
      process: { supported: true, how: "the child opens the parent's memfd through /proc/<parent pid>/fd/<n> and maps it; no lock" },
      thread: { supported: true, how: 'the SharedArrayBuffer is passed in workerData; no lock' },
    },
  },
  requiredBacking: (kind) => (kind === 'process' ? ['memfd'] : kSabBackings),
  planProcess: async (array) => paramsProcessPlan(array.handle),
  planThread: async (array) => paramsThreadPlan(array.threadHandle),
  receive: async (ctx) => ({ form: 'array', array: attach(ctx.params), locked: null }),
};
