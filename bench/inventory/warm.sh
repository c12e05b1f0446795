#!/bin/sh
# First and second `clawc test` of bench/inventory/inventory.test.claw against
# the 18 MB componentize-py component ../shared/components/inventory-py.wasm
# (not in this repository), with an empty compilation cache before the first:
# prints each run's wall time and the JSON `started` event (compile_ms and its
# phases). See bench/README.md.
#
#   bench/inventory/warm.sh                          # target/release/clawc, else target/debug/clawc
#   CLAWC=path/to/clawc bench/inventory/warm.sh      # another binary
#   INVENTORY=path/to/inventory-py.wasm bench/inventory/warm.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
component=${INVENTORY:-$root/../shared/components/inventory-py.wasm}
if [ ! -f "$component" ]; then
    echo "no $component: set INVENTORY to the component's path" >&2
    exit 2
fi
if [ -z "${CLAWC:-}" ]; then
    CLAWC=$root/target/release/clawc
    [ -x "$CLAWC" ] || CLAWC=$root/target/debug/clawc
fi
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
for run in first second; do
    start=$(date +%s.%N)
    CLAWC_CACHE_DIR=$cache "$CLAWC" test "$here/inventory.test.claw" --component "$component" --format json >"$cache/out.json"
    end=$(date +%s.%N)
    echo "$run run: $(echo "$end - $start" | bc) s wall"
    head -n 1 "$cache/out.json"
    tail -n 1 "$cache/out.json"
done
