/**
 * An NdArray posted to another thread or process would arrive as `{}` (its state is private) and
 * fail much later with "Cannot read properties of undefined". The guard makes the post itself
 * throw, naming what to post instead.
 *
 * How: one own enumerable property whose getter throws. Structured clone (postMessage, workerData,
 * structuredClone, child.send with 'advanced' serialization) reads every own enumerable property
 * through its getter, so it throws at the call site; `toJSON()` throwing covers JSON.stringify and
 * child.send with 'json' serialization. util.inspect shows the property as `[Getter]` without
 * calling it, and Object.keys() only lists it; copying ({ ...array }, Object.assign,
 * Object.entries) or deep-comparing two arrays throws, which is right: a copy would be empty.
 */
import { NdshareError } from '../errors.js';

/** The guard's property name: what `Object.keys(array)` shows. */
export const kCloneGuardKey = 'ndshareNotCloneable';

/** What an array's holder posts instead of the array. */
const kArrayFix = 'array.threadHandle (for worker threads of this process) or array.handle (for any process)';

/**
 * The error for posting, cloning, copying or serializing `what` ('an NdArray', 'a rows() view',
 * 'a Mutex'); `fix` names what to post instead (an array's handles by default).
 */
export function notCloneable(what: string, fix: string = kArrayFix): NdshareError {
  return new NdshareError(
    'ERR_NDSHARE_NOT_SHAREABLE',
    `Expected ${fix} for postMessage, workerData, child.send or JSON but received ${what}, which cannot be cloned or serialized (it would arrive as {}); post the handle and attach() it on the other side`,
  );
}

/** Adds the guard to `target` (an NdArray, a view, a Mutex, a Barrier, a LockedArray). */
export function guardClone(target: object, what: string, fix: string = kArrayFix): void {
  Object.defineProperty(target, kCloneGuardKey, {
    enumerable: true,
    configurable: false,
    get(): never {
      throw notCloneable(what, fix);
    },
  });
}
