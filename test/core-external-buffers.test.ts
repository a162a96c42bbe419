/**
 * A Node that refuses external buffers (built with the V8 sandbox) gets ERR_NDSHARE_EXTERNAL_BUFFERS
 * from every shared backing, with the fix, and no mapping is left behind. No sandboxed Node exists
 * here, so on Node 20 (which lacks node_api_create_external_sharedarraybuffer) a stand-in of that
 * function is preloaded and refuses as such a Node does; the addon finds it with dlsym exactly as it
 * finds Node's own on 22+. There Node's symbol wins over a preloaded one: reported as a skip.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runSync } from './helpers/process.js';

const kStandIn = `#include <node_api.h>
extern "C" __attribute__((visibility("default"))) napi_status node_api_create_external_sharedarraybuffer(
    napi_env, void*, size_t, void (*)(void*, void*), void*, napi_value*) {
  return napi_no_external_buffers_allowed;  // what a sandboxed Node answers; no finalizer runs
}
`;

function skipReason(): string | undefined {
  if (process.versions.modules !== '115') return `Node ${process.version} has its own node_api_create_external_sharedarraybuffer, which a preloaded stand-in cannot replace`;
  if (runSync('c++ --version', 'c++', ['--version']).status !== 0) return 'no C++ compiler to build the stand-in';
  return undefined;
}

test('external buffers refused: ERR_NDSHARE_EXTERNAL_BUFFERS from shm, memfd and file, nothing left mapped', { skip: skipReason() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-nosab-'));
  try {
    writeFileSync(join(dir, 'refuse.cc'), kStandIn);
    const include = join(process.execPath, '..', '..', 'include', 'node');
    const cc = runSync('c++ to build the stand-in', 'c++', ['-shared', '-fPIC', `-I${include}`, '-o', join(dir, 'refuse.so'), join(dir, 'refuse.cc')], { timeout: 120_000 });
    assert.equal(cc.status, 0, cc.stderr);
    const index = new URL('../src/index.js', import.meta.url).href;
    const probe = `
import { readFileSync } from 'node:fs';
import { create, NdshareError } from ${JSON.stringify(index)};
const out = {};
for (const backing of ['shm', 'memfd', 'file']) {
  try { create({ dtype: 'float64', shape: [1024], backing, ...(backing === 'file' ? { path: ${JSON.stringify(join(dir, 'a.npy'))} } : {}) }); out[backing] = 'created'; }
  catch (e) { out[backing] = e instanceof NdshareError ? e.code + ' | ' + e.message : 'other: ' + e; }
}
out.maps = readFileSync('/proc/self/maps', 'utf8').split('\\n').filter((l) => l.includes('memfd:ndshare') || l.includes('/dev/shm/ndshare-') || l.includes('a.npy'));
out.sab = create({ dtype: 'float64', shape: [4], backing: 'sab', fill: 3 }).data[3];
console.log(JSON.stringify(out));`;
    const r = runSync('the probe with the stand-in preloaded', process.execPath, ['--input-type=module', '-e', probe], { env: { ...process.env, LD_PRELOAD: join(dir, 'refuse.so') } });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim()) as Record<string, unknown>;
    for (const b of ['shm', 'memfd', 'file']) {
      assert.match(String(out[b]), /^ERR_NDSHARE_EXTERNAL_BUFFERS \| Expected a Node that accepts external buffers .* use the 'sab' backing$/, b);
    }
    assert.deepEqual(out['maps'], [], 'every refused mapping was unmapped');
    assert.equal(out['sab'], 3, "the 'sab' backing still works");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
