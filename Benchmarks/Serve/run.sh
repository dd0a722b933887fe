#!/usr/bin/env bash
# The server's overhead, reproduced in one command (README.md beside this file):
#   Benchmarks/Serve/run.sh [--repeats 3] [--threads N] [--kv-cache-memory 1GiB] [--with-llama-cpp]
# For each load (light: 1 client × 5 requests × 16 tokens; heavy: 32 clients × 1 request × 64
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
while [ $# -gt 0 ]; do
    case "$1" in
        --repeats) repeats=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --kv-cache-memory) kv=$2; shift 2 ;;
        --with-llama-cpp) llama=1; shift ;;
        *) kvd_die "unknown option $1 (--repeats N, --threads N, --kv-cache-memory SIZE, --with-llama-cpp)" ;;
    esac
done
# clients, requests per client, max tokens
loads=("1 5 16" "32 1 64")

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
load_py() { python3 Benchmarks/Serve/load.py "$@"; }

kvd_say "model $model; $threads engine threads; KV cache $kv; $(nproc) cores"
results="$work/results.jsonl"
: >"$results"
for load in "${loads[@]}"; do
    read -r clients per max <<<"$load"
    for r in $(seq 1 "$repeats"); do
        echo "$(uptime)" | sed 's/^ *//' >&2
        line=$("$bin/kvdeck-bench-serve" "$model" --clients "$clients" --requests-per-client "$per" --max-tokens "$max" \
               --kv-cache-memory "$kv" --threads "$threads")
        echo "{\"peer\":\"in-process\",\"load\":\"$load\",\"run\":$(python3 -c 'import sys, json; print(json.dumps(json.loads(sys.argv[1])))' "$line")}" | tee -a "$results"

        port=$(free_port)
        "$bin/kvdeck" serve "$model" --port "$port" --kv-cache-memory "$kv" --threads "$threads" 2>"$work/server.log" &
        server=$!
        wait_ready "$port" /health
        load_py --port "$port" --clients 1 --requests-per-client 1 --max-tokens 8 >/dev/null   # warm-up, as in-process does
        line=$(load_py --port "$port" --clients "$clients" --requests-per-client "$per" --max-tokens "$max")
        echo "{\"peer\":\"kvdeck serve\",\"load\":\"$load\",\"run\":$line}" | tee -a "$results"
        stop_server

        if [ "$llama" = 1 ]; then
            port=$(free_port)
            # Comparable settings: the same threads for decode and prefill, a context as long as
            # kvdeck's (2048), batches as large. llama-cpp-python's server runs one request at a
            # time (no parallel slots), so its clients queue; without --interrupt_requests False
            # each new request would cut off the one running. It has no /health; /v1/models says ready.
            "$KVD_LLAMA_CPP_VENV/bin/python3" -m llama_cpp.server --model "$model" --host 127.0.0.1 --port "$port" \
                --n_threads "$threads" --n_threads_batch "$threads" --n_ctx 2048 --n_batch 2048 \
                --interrupt_requests False --logits_all False --verbose False >"$work/server.log" 2>&1 &
            server=$!
            wait_ready "$port" /v1/models
            load_py --port "$port" --clients 1 --requests-per-client 1 --max-tokens 8 >/dev/null
            # Its defaults sample differently (top_k 40, top_p 0.95, min_p 0.05, repeat penalty
            # 1.1); these make it sample as kvdeck does by default. It has no ignore_eos, so a
            # request may end early: the tokens it produced are what counts.
            line=$(load_py --port "$port" --clients "$clients" --requests-per-client "$per" --max-tokens "$max" \
                   --extra '{"top_k":0,"top_p":1.0,"min_p":0.0,"repeat_penalty":1.0}')
            echo "{\"peer\":\"llama.cpp server\",\"load\":\"$load\",\"run\":$line}" | tee -a "$results"
            stop_server
        fi
    done
done
echo "$(uptime)" | sed 's/^ *//' >&2
python3 Benchmarks/Serve/summary.py "$results"
