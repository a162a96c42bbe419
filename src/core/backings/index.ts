/**
 * The table of backings: one module per backing owns its create, attach, handle and unlink.
 * `create()` and `attach()` dispatch through this table; a new backing is its module, its name in
 * `BACKINGS` (ndarray.ts) and one line here (the `satisfies` below names what is missing).
 */
import type { DType } from '../dtype.js';
import type { Handle } from '../handle.js';
import type { MapRules } from '../map-npy.js';
import type { Backing, BackingOps, NdArray } from '../ndarray.js';
import type { Mode } from '../validate.js';
import { attachFile, createFile, fileOps } from './file.js';
import { createHeap, heapOps } from './heap.js';
import { attachMemfd, createMemfd, memfdOps } from './memfd.js';
import type { CreateRequest } from './request.js';
import { attachSab, createSab, sabOps } from './sab.js';
import { attachShm, createShm, shmOps } from './shm.js';

type HandleOf<B extends Backing> = Extract<Handle, { backing: B }>;

/** One backing: its ops, how to create it, and how to attach its handle (none for 'heap'). */
interface BackingModule<B extends Backing> {
  readonly ops: BackingOps;
  create<D extends DType>(req: CreateRequest): NdArray<D>;
  readonly attach: [HandleOf<B>] extends [never] ? null : <D extends DType>(h: HandleOf<B>, mode: Mode, expect: MapRules['expect']) => NdArray<D>;
}

export const BACKING_TABLE: { readonly [B in Backing]: BackingModule<B> } = {
  shm: { ops: shmOps, create: createShm, attach: attachShm },
  memfd: { ops: memfdOps, create: createMemfd, attach: attachMemfd },
  file: { ops: fileOps, create: createFile, attach: attachFile },
  sab: { ops: sabOps, create: createSab, attach: (h, mode) => attachSab(h, mode) },
  heap: { ops: heapOps, create: createHeap, attach: null },
};

export type { CreateRequest } from './request.js';
