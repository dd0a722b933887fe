#!/usr/bin/env bash
# The server's overhead, reproduced in one command (README.md beside this file):
#   Benchmarks/Serve/run.sh [--repeats 3] [--threads N] [--kv-cache-memory 1GiB] [--client-nice 19]
#                           [--heavy-tokens 256] [--with-llama-cpp]
# For each load (light: 1 client × 5 requests × 16 tokens; heavy: 32 clients × 1 request × 256
# tokens) and each repeat, back to back: the workload straight into InferenceEngine
# (kvdeck-bench-serve), then the same through `kvdeck serve` under load.py, then (with
# --with-llama-cpp) through llama.cpp's server (PyPI llama-cpp-python, built into a venv under
# .build/, a benchmark peer only) on the same GGUF. Prints every run as a JSON line, then a table
# of medians with overhead = 1 − server/in-process. Release builds go to .build-release
# (SCRATCH_PATH=DIR to change it).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh

repeats=3
threads=$(nproc)
kv=1GiB
llama=0
# clients, requests per client, max tokens
# and the load generator's nice value: the light load measures TTFT, so load.py runs at normal
# priority and reacts at once; the heavy load measures throughput on a machine whose cores the
# engine fills, so load.py runs at nice 19 and takes idle time, as a client on another machine
# takes none of the server's (at nice 0 its own CPU, ~3% of two cores, is counted against the
# server: --client-nice 0 measures that).
heavy_nice=19
# Tokens per heavy request: 256 keeps the runs long enough to measure a few percent; llama.cpp's
# server runs one request at a time, so a comparison with it is shorter with --heavy-tokens 64.
heavy_tokens=256
while [ $# -gt 0 ]; do
    case "$1" in
        --repeats) repeats=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --kv-cache-memory) kv=$2; shift 2 ;;
        --with-llama-cpp) llama=1; shift ;;
        --client-nice) heavy_nice=$2; shift 2 ;;
        --heavy-tokens) heavy_tokens=$2; shift 2 ;;
        *) kvd_die "unknown option $1 (--repeats N, --threads N, --kv-cache-memory SIZE, --client-nice N, --heavy-tokens N, --with-llama-cpp)" ;;
    esac
done

loads=("1 5 16 0" "32 1 $heavy_tokens $heavy_nice")

kvd_require_swift
kvd_fetch_default_model
model="$(kvd_model_dir)/$KVD_MODEL_FILE"
[ "$llama" = 1 ] && kvd_install_llama_cpp_server
scratch=${SCRATCH_PATH:-.build-release}
kvd_say "building kvdeck and kvdeck-bench-serve in release ($scratch)"
swift build -c release --scratch-path "$scratch" --product kvdeck
swift build -c release --scratch-path "$scratch" --product kvdeck-bench-serve
bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)

work=$(mktemp -d)
server=
stop_server() {
    if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    server=
}
trap 'stop_server; rm -rf "$work"' EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_ready() {
    local port=$1 path=$2 i
    for i in $(seq 1 600); do
        curl -sf -o /dev/null "http://127.0.0.1:$port$path" && return 0
        kill -0 "$server" 2>/dev/null || { tail -n 20 "$work/server.log" >&2; kvd_die "the server exited before it was ready"; }
        sleep 0.2
    done
    kvd_die "the server on port $port was not ready within 120 s"
}
load_py() { nice -n "$client_nice" python3 Benchmarks/Serve/load.py "$@"; }
# CPU seconds (user + system) a process has used so far.
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$1/stat"; }
# Forward steps a kvdeck server has run (nothing for a server without vLLM's metrics).
steps_of() { curl -s "http://127.0.0.1:$1/metrics" | awk '/^vllm:iteration_tokens_total_count/ { print $2 }'; }
# One result line: the peer, the load, the run's JSON, the server's CPU seconds, engine steps and
# load.py's nice value (each if given), and the machine's load average over the last minute
# (other engineers' builds share these cores).
record() {
    python3 -c 'import json, sys
run = json.loads(sys.argv[3])
if sys.argv[4]: run["cpu_s"] = round(float(sys.argv[4]), 3)
if len(sys.argv) > 5 and sys.argv[5]: run["engine_steps"] = int(float(sys.argv[5]))
if len(sys.argv) > 6 and sys.argv[6]: run["client_nice"] = int(sys.argv[6])
run["load_1m"] = float(open("/proc/loadavg").read().split()[0])
print(json.dumps({"peer": sys.argv[1], "load": sys.argv[2], "run": run}))' "$@" | tee -a "$results"
}
# Runs load.py against the server on $1 (a warm-up request first) and records it as peer $2.
serve_load() {
    local port=$1 peer=$2; shift 2
    load_py --port "$port" --clients 1 --requests-per-client 1 --max-tokens 8 "$@" >/dev/null
    local before steps line
    before=$(cpu_of "$server")
    steps=$(steps_of "$port")
    line=$(load_py --port "$port" --clients "$clients" --requests-per-client "$per" --max-tokens "$max" "$@")
    [ -n "$steps" ] && steps=$(awk -v a="$(steps_of "$port")" -v b="$steps" 'BEGIN { print a - b }')
    record "$peer" "$load" "$line" "$(awk -v a="$(cpu_of "$server")" -v b="$before" 'BEGIN { print a - b }')" "$steps" "$client_nice"
}

in_process() {
    local line
    line=$("$bin/kvdeck-bench-serve" "$model" --clients "$clients" --requests-per-client "$per" --max-tokens "$max" \
           --kv-cache-memory "$kv" --threads "$threads")
    record "in-process" "$load" "$line" ""
}
kvdeck_serve() {
    local port; port=$(free_port)
    "$bin/kvdeck" serve "$model" --port "$port" --kv-cache-memory "$kv" --threads "$threads" 2>"$work/server.log" &
    server=$!
    wait_ready "$port" /health
    serve_load "$port" "kvdeck serve"
    stop_server
}
llama_cpp_server() {
    local port; port=$(free_port)
    # Comparable settings: the same threads for decode and prefill, a context as long as
    # kvdeck's (2048), batches as large. llama-cpp-python's server runs one request at a
    # time (no parallel slots), so its clients queue; without --interrupt_requests False
    # each new request would cut off the one running. It has no /health; /v1/models says ready.
    "$KVD_LLAMA_CPP_VENV/bin/python3" -m llama_cpp.server --model "$model" --host 127.0.0.1 --port "$port" \
        --n_threads "$threads" --n_threads_batch "$threads" --n_ctx 2048 --n_batch 2048 \
        --interrupt_requests False --logits_all False --verbose False >"$work/server.log" 2>&1 &
    server=$!
    wait_ready "$port" /v1/models
    # Its defaults sample differently (top_k 40, top_p 0.95, min_p 0.05, repeat penalty 1.1):
    # these make it sample as kvdeck does by default. It has no ignore_eos (the model often ends
    # this prompt at once): min_tokens = max_tokens holds the end off.
    serve_load "$port" "llama.cpp server" \
        --extra "{\"top_k\":0,\"top_p\":1.0,\"min_p\":0.0,\"repeat_penalty\":1.0,\"min_tokens\":$max}"
    stop_server
}

kvd_say "model $model; $threads engine threads; KV cache $kv; $(nproc) cores"
results="$work/results.jsonl"
: >"$results"
for spec in "${loads[@]}"; do
    read -r clients per max client_nice <<<"$spec"
    load="$clients $per $max"
    for r in $(seq 1 "$repeats"); do
        echo "$(uptime)" | sed 's/^ *//' >&2
        # Alternate the order, so a machine that grows busier or quieter over a repeat does not
        # favour one peer.
        peers=(in_process kvdeck_serve)
        [ "$llama" = 1 ] && peers+=(llama_cpp_server)
        if [ $((r % 2)) = 0 ]; then peers=($(printf '%s\n' "${peers[@]}" | tac)); fi
        for p in "${peers[@]}"; do "$p"; done
    done
done
echo "$(uptime)" | sed 's/^ *//' >&2
python3 Benchmarks/Serve/summary.py "$results"
