/** Assertions on NdshareError: the code AND the shape of the message. */
import assert from 'node:assert/strict';
import { NdshareError } from '../../src/index.js';

/** The message shape every ndshare-assigned code uses. */
export const kExpectedShape = /^Expected .+ but .+/s;
/** The message shape of errno codes: what ndshare was doing, the errno, the syscall, the path. */
export const kSystemShape = /^Failed to .+: E[A-Z]+/s;

/** Asserts that `fn` throws an NdshareError with `code` and a message matching `message`. */
export function throwsNdshare(fn: () => unknown, code: string, message: RegExp = defaultShape(code)): NdshareError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  return checkCaught(caught, code, message);
}

/** Awaits `p` and asserts it rejected with an NdshareError of `code` whose message matches `message`. */
export async function rejectsNdshare(p: Promise<unknown>, code: string, message: RegExp = defaultShape(code)): Promise<NdshareError> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  return checkCaught(caught, code, message);
}

function defaultShape(code: string): RegExp {
  return code.startsWith('ERR_') ? kExpectedShape : kSystemShape;
}

function checkCaught(caught: unknown, code: string, message: RegExp): NdshareError {
  if (!(caught instanceof NdshareError)) assert.fail(`expected an NdshareError ${code} but got ${caught === undefined ? 'no error' : String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.match(caught.message, message);
  return caught;
}
