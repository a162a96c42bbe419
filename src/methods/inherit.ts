/**
 * `inherit`: the study's "inheritance" (a fork child sees the parent's global array). Node has no
 * fork, so the memory itself is inherited: a memfd handed to the child in the spawn `stdio` array.
 */
import { attach } from '../attach.js';
import { inheritedArrays } from '../inherit.js';
import { NdshareError } from '../errors.js';
import type { Method } from './types.js';
import { kSabBackings, paramsProcessPlan, paramsThreadPlan } from './common.js';

export const inherit: Method = {
  info: {
    name: 'inherit',
    title: 'Inheritance (memfd in the spawn stdio array)',
    study: 'inheritance',
    copies: false,
    kinds: {
      process: { supported: true, how: "the memfd is passed at spawn as an extra stdio fd (forkWithArrays); the child maps it with inheritedArrays()" },
      thread: { supported: true, how: 'the SharedArrayBuffer over the memory is passed in workerData' },
    },
  },
  requiredBacking: (kind) => (kind === 'process' ? ['memfd'] : kSabBackings),
  planProcess: async (array) => paramsProcessPlan(null, { inherit: [array] }),
  planThread: async (array) => paramsThreadPlan(array.threadHandle),
  receive: async (ctx) => {
    if (ctx.kind === 'thread') return { form: 'array', array: attach(ctx.params), locked: null };
    const [array] = inheritedArrays();
    if (!array) throw new NdshareError('ERR_NDSHARE_NO_INHERITED', 'Expected one inherited array for method inherit but received none');
    return { form: 'array', array, locked: null };
  },
};
