#!/usr/bin/env bash
# Where `kvdeck serve`'s CPU goes under load.py's 32 streaming clients: perf samples the server
# process (call stacks, 999 Hz) during the run, and perf_split.py puts each sample in a bucket
# (the engine's own work, or what the server adds). Needs perf (Debian: linux-perf) and the
# release build run.sh makes.   Benchmarks/Serve/profile.sh [--clients 32] [--requests-per-client 2] [--max-tokens 64]
set -euo pipefail
[ $# -gt 0 ] || set -- --clients 32 --requests-per-client 2 --max-tokens 64
cd "$(dirname "$0")/../.."
source scripts/lib.sh
command -v perf >/dev/null 2>&1 || kvd_die "perf is needed (Debian: apt-get install linux-perf)"
kvd_fetch_default_model
model="$(kvd_model_dir)/$KVD_MODEL_FILE"
bin=$(swift build -c release --scratch-path "${SCRATCH_PATH:-.build-release}" --show-bin-path)
[ -x "$bin/kvdeck" ] || kvd_die "no release kvdeck at $bin (run Benchmarks/Serve/run.sh once, or swift build -c release --product kvdeck)"

work=$(mktemp -d)
server= recorder=
trap '[ -n "$recorder" ] && kill -INT "$recorder" 2>/dev/null; [ -n "$server" ] && kill -TERM "$server" 2>/dev/null; wait; rm -rf "$work"' EXIT INT TERM
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin/kvdeck" serve "$model" --port "$port" --kv-cache-memory 1GiB 2>"$work/server.log" &
server=$!
until curl -sf -o /dev/null "http://127.0.0.1:$port/health"; do
    kill -0 "$server" 2>/dev/null || kvd_die "the server exited: $(tail -n 5 "$work/server.log")"
    sleep 0.2
done
python3 Benchmarks/Serve/load.py --port "$port" --clients 1 --requests-per-client 1 --max-tokens 8 >/dev/null
uptime
perf record -F 999 -g -p "$server" -o "$work/perf.data" 2>"$work/perf.log" &
recorder=$!
sleep 0.5
python3 Benchmarks/Serve/load.py --port "$port" "$@"
kill -INT "$recorder"; wait "$recorder" || true; recorder=
perf script -i "$work/perf.data" 2>/dev/null | python3 Benchmarks/Serve/perf_split.py
