#!/bin/sh
# Console frame benchmarks (README.md beside this file). From the package root:
#   Benchmarks/ConsoleFrame/run.sh
set -e
swift build -c release --scratch-path .build-bench-frame --product kvdeck-bench-frame
.build-bench-frame/release/kvdeck-bench-frame table 10000 50

# First frame: against `kvdeck demo --serve-only` (the debug build of the package is enough).
swift build --product kvdeck
home=$(mktemp -d)
HOME=$home .build/debug/kvdeck demo --serve-only > "$home/out" 2>/dev/null &
demo=$!
trap 'kill $demo 2>/dev/null; rm -rf "$home"' EXIT
while ! grep -q "Press Ctrl-C" "$home/out" 2>/dev/null; do sleep 0.2; done
kubeconfig=$(sed -n 's/.*KUBECONFIG=//p' "$home/out")
for run in 1 2 3; do .build-bench-frame/release/kvdeck-bench-frame first-frame "$kubeconfig"; done
