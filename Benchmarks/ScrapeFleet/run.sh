#!/bin/sh
# Reproduces the scrape figures in README.md. Run from the package root:
#   Benchmarks/ScrapeFleet/run.sh [TARGETS] [INTERVAL] [CYCLES]
# Builds kvdeck-bench-scrape in release, starts the vLLM-shaped test server
# (Tests/Support/metrics_test_server.py) and scrapes TARGETS (default 500) of its /pod/N/metrics
# every INTERVAL seconds (default 5) for CYCLES cycles (default 6). SCRATCH_PATH=DIR passes --scratch-path.
set -eu
TARGETS=${1:-500}
INTERVAL=${2:-5}
CYCLES=${3:-6}
SCRATCH_FLAG=${SCRATCH_PATH:+--scratch-path $SCRATCH_PATH}

swift build -c release $SCRATCH_FLAG --product kvdeck-bench-scrape
BIN=$(swift build -c release $SCRATCH_FLAG --show-bin-path)/kvdeck-bench-scrape

WORK=$(mktemp -d)
SERVER=
cleanup() {
    exec 3>&- 2>/dev/null || true          # the server exits when its stdin closes
    [ -n "$SERVER" ] && wait "$SERVER" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

mkfifo "$WORK/stdin"
python3 Tests/Support/metrics_test_server.py <"$WORK/stdin" >"$WORK/port" &
SERVER=$!
exec 3>"$WORK/stdin"
while [ ! -s "$WORK/port" ]; do sleep 0.1; done
"$BIN" "$(head -n1 "$WORK/port")" "$TARGETS" "$INTERVAL" "$CYCLES"
