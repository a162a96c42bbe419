/**
 * The bundle keeps the names of what the package exports: the build has no keepNames (it cost a
 * receiver's start), stops where esbuild would rename a declaration, and gives a class that refers
 * to itself back the name esbuild's `var Foo = class _Foo` takes from it (scripts/bundle.js). A
 * name shows in messages, in `err.name` and in what util.inspect prints.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { test } from 'node:test';
import * as main from 'ndshare';
import * as receiveEntry from 'ndshare/receive';
import * as zarr from 'ndshare/zarr';

/** Exports that are another function under a second name, on purpose (zarr/index.ts). */
const kAliases: Record<string, string> = { evictCache: 'evictEntries', fetch: 'fetchArray' };

test("every function and class the package's entries export has its own name", () => {
  const wrong: string[] = [];
  for (const [entry, ns] of [['ndshare', main], ['ndshare/zarr', zarr]] as const) {
    for (const [k, v] of Object.entries(ns)) {
      if (typeof v === 'function' && v.name !== (kAliases[k] ?? k)) wrong.push(`${entry} ${k}: .name is ${JSON.stringify(v.name)}`);
    }
  }
  assert.equal(receiveEntry.receive.name, 'receive');
  assert.deepEqual(wrong, []);
});

test('classes that refer to themselves keep their names, and instances print them', () => {
  // The classes esbuild writes as `var Foo = class _Foo` in today's bundle.
  for (const c of [main.NdView, main.Barrier, main.Mutex, main.LockedArray]) assert.ok(!c.name.startsWith('_'), c.name);
  const a = main.create({ dtype: 'float64', shape: [4], backing: 'heap', fill: 1 });
  try {
    const v = a.rows(1, 3);
    assert.equal(v.constructor.name, 'NdView');
    assert.match(inspect(v), /^NdView</);
    assert.match(inspect(a), /^NdArray</);
  } finally {
    a.close();
  }
  const err = new main.NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', 'x');
  assert.equal(err.constructor.name, 'NdshareError');
});
