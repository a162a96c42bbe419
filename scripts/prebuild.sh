#!/usr/bin/env bash
# Builds the prebuilt binaries that ship inside the npm tarball (run by `npm pack` through the
# prepack script; needs a C++ toolchain, which users then do not need):
#   prebuilds/linux-x64/ndshare.napi.node          Node-API: every Node >= 20 (external SAB via
#                                                  node_api_create_external_sharedarraybuffer, or the shim)
#   prebuilds/linux-x64/ndshare_floor.napi.node    benchmark floors only (ndshare bench --floor)
#   prebuilds/linux-x64/ndshare_v8sab.abi115.node  the Node 20 shim for the one call Node-API lacks there
# and the same three for linux-arm64 when Debian's cross compiler (g++-aarch64-linux-gnu) is present.
# Built in scratch copies so the developer's build/ is left alone. Node 20's headers (the machine's
# nodedir, /usr) serve the Node-API binaries too: Node-API is ABI-stable across versions.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
node_gyp="${npm_config_node_gyp:-$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js}"
nodedir="${NDSHARE_PREBUILD_NODEDIR:-${npm_config_nodedir:-/usr}}"
abi="$(grep -m1 -E '^#define NODE_MODULE_VERSION [0-9]+' "$nodedir/include/node/node_version.h" | awk '{print $3}')"
if [ "$abi" != 115 ]; then
  echo "prebuild: expected Node 20 headers (NODE_MODULE_VERSION 115) in $nodedir for the shim, found $abi" >&2
  exit 1
fi

build() { # <arch> <outdir> [cross prefix]
  local arch="$1" out="$2" cross="${3:-}" scratch
  scratch="$(mktemp -d)"
  cp -r native binding.gyp package.json "$scratch/"
  (
    cd "$scratch"
    if [ -n "$cross" ]; then export CC="${cross}gcc" CXX="${cross}g++" LINK="${cross}g++" AR="${cross}ar"; fi
    npm_config_nodedir="$nodedir" node "$node_gyp" rebuild -j max --arch="$arch" --loglevel=warn
  )
  mkdir -p "$out"
  cp "$scratch/build/Release/ndshare.node" "$out/ndshare.napi.node"
  cp "$scratch/build/Release/ndshare_floor.node" "$out/ndshare_floor.napi.node"
  cp "$scratch/build/Release/ndshare_v8sab.node" "$out/ndshare_v8sab.abi115.node"
  "${cross}strip" --strip-unneeded "$out"/*.node
  rm -rf "$scratch"
  echo "prebuild: $out: $(cd "$out" && ls | tr '\n' ' ')"
}

rm -rf prebuilds
build x64 prebuilds/linux-x64
if command -v aarch64-linux-gnu-g++ >/dev/null 2>&1; then
  build arm64 prebuilds/linux-arm64 aarch64-linux-gnu-
else
  echo "prebuild: no aarch64-linux-gnu-g++ (apt-get install g++-aarch64-linux-gnu): linux-arm64 not built"
fi
