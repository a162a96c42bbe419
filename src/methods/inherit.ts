/**
 * `inherit`: the study's "inheritance" (a fork child sees the parent's global array). Node has no
 * fork, so the memory itself is inherited: a memfd handed to the child in the spawn `stdio` array.
 */
import { attach } from '../core/attach.js';
import { inheritedArrays } from '../core/inherited-arrays.js';
import { NdshareError } from '../errors.js';
import type { Method } from './types.js';
import { paramsProcessPlan, paramsThreadPlan } from './common.js';

export const inherit: Method = {
  planProcess: async (array) => paramsProcessPlan(null, { inherit: [array] }),
  planThread: async (array) => paramsThreadPlan(array.threadHandle),
  receive: async (ctx) => {
    if (ctx.kind === 'thread') return { form: 'array', array: attach(ctx.params), locked: null };
    const [array] = inheritedArrays();
    if (!array) throw new NdshareError('ERR_NDSHARE_NO_INHERITED', 'Expected one inherited array for method inherit but received none');
    return { form: 'array', array, locked: null };
  },
};
