/** Assertions on NdshareError: the code AND the shape of the message. */
import assert from 'node:assert/strict';
import { NdshareError } from '../../src/index.js';

/** The message shape every ndshare-assigned code uses. */
export const kExpectedShape = /^Expected .+ but .+/s;
/** The message shape of errno codes: what ndshare was doing, the errno, the syscall, the path. */
export const kSystemShape = /^Failed to .+: E[A-Z]+/s;

/** Asserts that `fn` throws an NdshareError with `code` and a message matching `message`. */
export function throwsNdshare(fn: () => unknown, code: string, message: RegExp = code.startsWith('ERR_') ? kExpectedShape : kSystemShape): NdshareError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  if (!(caught instanceof NdshareError)) assert.fail(`expected an NdshareError ${code} but got ${caught === undefined ? 'no error' : String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.match(caught.message, message);
  return caught;
}
