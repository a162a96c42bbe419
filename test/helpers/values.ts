/**
 * Element values that survive JSON: every dtype's test value as a string, converted to the
 * element type (bigint for 64-bit integers) only where it is written or compared.
 */
import { createHash } from 'node:crypto';
import type { AnyTypedArray, DType } from '../../src/index.js';

/** A distinctive, exactly representable value per dtype, with a second one for writes back. */
export const kSample: Record<DType, readonly [string, string]> = {
  bool: ['1', '0'],
  int8: ['-7', '100'],
  uint8: ['200', '3'],
  int16: ['-30000', '1234'],
  uint16: ['65000', '42'],
  int32: ['-2000000000', '77'],
  uint32: ['4000000000', '5'],
  int64: ['-9007199254740993', '9223372036854775807'],
  uint64: ['18446744073709551615', '12345678901234567'],
  float32: ['0.5', '-1.25'],
  float64: ['3.141592653589793', '-2.5e-300'],
};

/** Writes `value` (a decimal string) at `index`. */
export function put(data: AnyTypedArray, index: number, value: string): void {
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) data[index] = BigInt(value);
  else (data as Exclude<AnyTypedArray, BigInt64Array | BigUint64Array>)[index] = Number(value);
}

/** Reads the element at `index` as a decimal string. */
export function get(data: AnyTypedArray, index: number): string {
  return String(data[index]);
}

/** SHA-256 of the raw element bytes, comparable with python's sha(a) from helpers/python.ts. */
export function sha(data: AnyTypedArray): string {
  return createHash('sha256').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex');
}
