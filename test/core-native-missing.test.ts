/**
 * ERR_NDSHARE_NATIVE_MISSING: with the addon absent (a copy of the compiled package without
 * build/), importing ndshare still works, 'sab' and 'heap' arrays still work, and a shared backing
 * fails with the fix-it message. Runs in a real child so this process keeps its addon.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const kDistSrc = fileURLToPath(new URL('../src', import.meta.url));

test('without the addon: sab and heap work, shm and memfd fail with ERR_NDSHARE_NATIVE_MISSING and the fix', () => {
  const root = mkdtempSync(join(tmpdir(), 'ndshare-core-noaddon-'));
  try {
    cpSync(kDistSrc, join(root, 'dist', 'src'), { recursive: true });
    writeFileSync(join(root, 'package.json'), '{"type":"module"}');
    assert.equal(existsSync(join(root, 'build')), false);
    const probe = join(root, 'probe.mjs');
    writeFileSync(
      probe,
      `import { create, NdshareError } from './dist/src/index.js';
const out = {};
for (const backing of ['sab', 'heap', 'shm', 'memfd']) {
  try { const a = create({ dtype: 'float64', shape: [4], backing, fill: 2 }); out[backing] = 'ok ' + a.data[3]; }
  catch (e) { out[backing] = e instanceof NdshareError ? e.code + ' | ' + e.message : 'other ' + String(e); }
}
console.log(JSON.stringify(out));`,
    );
    const r = spawnSync(process.execPath, [probe], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim()) as Record<string, string>;
    assert.equal(out['sab'], 'ok 2');
    assert.equal(out['heap'], 'ok 2');
    for (const b of ['shm', 'memfd']) {
      assert.match(
        out[b] ?? '',
        new RegExp(
          '^ERR_NDSHARE_NATIVE_MISSING \\| Expected the ndshare native addon for shared-memory backings but could not load it ' +
            `\\(build/Release/ndshare\\.node: not found; prebuilds/${process.platform}-${process.arch}/ndshare\\.napi\\.node: not found\\)\\. ` +
            'Reinstall where a prebuilt binary exists .* or build it from source with `npm rebuild ndshare`',
        ),
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
