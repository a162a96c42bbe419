#!/usr/bin/env bash
# Prints the directory of a Node.js distribution of the given major version (bin/node and
# include/node/), fetched once from npm's node-linux-<arch>@<major> package and cached.
# Usage: scripts/node-dist.sh 24 [x64|arm64]   ->  /root/.cache/ndshare-node/x64-24/package
# An arm64 Node runs here under qemu-user (scripts/install-smoke.sh); this script does not run it.
# Cache: $NDSHARE_NODE_CACHE (default ~/.cache/ndshare-node); delete a version's folder to refresh.
set -euo pipefail
major="${1:?usage: node-dist.sh <major> [x64|arm64]}"
arch="${2:-x64}"
cache="${NDSHARE_NODE_CACHE:-$HOME/.cache/ndshare-node}"
dir="$cache/$arch-$major"
if [ ! -x "$dir/package/bin/node" ]; then
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  # npm pack prints the tarball's name last; --silent keeps progress off stdout.
  tarball="$(cd "$dir.tmp" && npm pack "node-linux-$arch@$major" --silent | tail -n 1)"
  tar xzf "$dir.tmp/$tarball" -C "$dir.tmp"
  rm -f "$dir.tmp/$tarball"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
[ "$arch" != x64 ] || "$dir/package/bin/node" -e 'process.exit(0)' >/dev/null
echo "$dir/package"
