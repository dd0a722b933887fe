#!/bin/sh
# Reproduces the list-decode figures in README.md. Run from the package root:
#   Benchmarks/ListDecode/run.sh [COUNT]
# Builds the YAML module and the Kube models with swiftc -O into $SCRATCH (default .build-bench),
# writes the pod lists under $SCRATCH, and times each decode mode with /usr/bin/time.
set -eu
COUNT=${1:-10000}
SCRATCH=${SCRATCH:-.build-bench}
HERE=Benchmarks/ListDecode
OUT=$SCRATCH/listdecode
mkdir -p "$OUT/pages"

swiftc -O -parse-as-library -emit-module -emit-library -static -module-name YAML \
    Sources/YAML/*.swift -emit-module-path "$OUT/YAML.swiftmodule" -o "$OUT/libYAML.a"
swiftc -O -parse-as-library -emit-module -emit-library -static -module-name Kube -I "$OUT" \
    Sources/Kube/Models/*.swift -emit-module-path "$OUT/Kube.swiftmodule" -o "$OUT/libKube.a"
swiftc -O -I "$OUT" "$HERE/ListDecode.swift" "$OUT/libKube.a" "$OUT/libYAML.a" -o "$OUT/listdecode"

python3 "$HERE/make_pod_list.py" "$OUT/pods.json" --count "$COUNT"
rm -f "$OUT"/pages/*.json
start=0
while [ "$start" -lt "$COUNT" ]; do
    n=$((COUNT - start)); [ "$n" -gt 500 ] && n=500
    python3 "$HERE/make_pod_list.py" "$OUT/pages/$(printf %06d "$start").json" --count "$n" --start "$start" >/dev/null
    start=$((start + 500))
done

TIME="wall %e s, peak RSS %M KB"
for run in 1 2 3; do
    /usr/bin/time -f "  $TIME" "$OUT/listdecode" whole "$OUT/pods.json"
    /usr/bin/time -f "  $TIME" "$OUT/listdecode" items "$OUT/pods.json"
    /usr/bin/time -f "  $TIME" "$OUT/listdecode" pages "$OUT"/pages/*.json
done
if command -v kubectl >/dev/null 2>&1; then
    # Offline: --local never contacts a server; it still decodes every object of the list.
    echo "kubectl label --local (decode + in-memory label + print names):"
    KUBECONFIG=/dev/null /usr/bin/time -f "  $TIME" kubectl label --local -f "$OUT/pods.json" bench=1 -o name >/dev/null
    echo "kubectl label --local --list (decode + list labels):"
    KUBECONFIG=/dev/null /usr/bin/time -f "  $TIME" kubectl label --local --list -f "$OUT/pods.json" >/dev/null
fi
