#!/bin/sh
# Reproduces the list-decode figures in README.md. Run from the package root:
#   Benchmarks/ListDecode/run.sh [COUNT]
# Builds kvdeck-bench-list in release, writes a COUNT-pod list (default 10,000), serves it with the
# fixture API server as /api/v1/pods, and times three informer syncs, then three
# `kubectl get pods -A -o name` against the same server. SCRATCH_PATH=DIR passes --scratch-path.
set -eu
COUNT=${1:-10000}
HERE=Benchmarks/ListDecode
SHARED=${KVDECK_SHARED:-../shared}
SCRATCH_FLAG=${SCRATCH_PATH:+--scratch-path $SCRATCH_PATH}

swift build -c release $SCRATCH_FLAG --product kvdeck-bench-list
BIN=$(swift build -c release $SCRATCH_FLAG --show-bin-path)/kvdeck-bench-list

WORK=$(mktemp -d)
SERVER=
cleanup() {
    exec 3>&- 2>/dev/null || true          # the server exits when its stdin closes
    [ -n "$SERVER" ] && wait "$SERVER" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

python3 "$HERE/make_pod_list.py" "$WORK/pods.json" --count "$COUNT"
mkfifo "$WORK/stdin"
python3 Tests/Support/fixture_apiserver.py --fixtures "$SHARED/fixtures/kube/real-apiserver" \
    --route "/api/v1/pods=$WORK/pods.json" --exit-with-stdin <"$WORK/stdin" >"$WORK/port" &
SERVER=$!
exec 3>"$WORK/stdin"
tries=0
until [ -s "$WORK/port" ]; do
    tries=$((tries + 1)); [ "$tries" -gt 100 ] && { echo "fixture server did not start" >&2; exit 1; }
    sleep 0.1
done
PORT=$(head -n1 "$WORK/port")
cat >"$WORK/kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: bench
  cluster: {server: "http://127.0.0.1:$PORT"}
users:
- name: bench
  user: {}
contexts:
- name: bench
  context: {cluster: bench, user: bench}
current-context: bench
YAML

echo "machine: $(nproc) cores, $(uname -sr); list: $COUNT pods, $(wc -c <"$WORK/pods.json") bytes"
# The machine is shared: record how busy it was, since times scale with it.
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "kvdeck-bench-list (informer: Informer<Pod>, all namespaces, time to first synced; list: one"
echo "client.list(Pod.self); raw: the body read and dropped):"
for mode in informer informer informer list list list raw; do
    # CPU seconds beside wall time: on a shared machine they show the work apart from the waiting.
    /usr/bin/time -f "    process: wall %e s, cpu %U user + %S sys s, peak RSS %M KB" "$BIN" "$WORK/kubeconfig" "$mode" | sed 's/^/  /'
done
if command -v kubectl >/dev/null 2>&1; then
    echo "kubectl $(kubectl version --client 2>/dev/null | sed -n 's/^Client Version: //p') get pods -A -o name (same server, same list):"
    for run in 1 2 3; do
        KUBECONFIG="$WORK/kubeconfig" /usr/bin/time -f "  wall %e s, cpu %U user + %S sys s, peak RSS %M KB" \
            kubectl get pods -A -o name --cache-dir "$WORK/kube-cache" >"$WORK/names"
        echo "  $(wc -l <"$WORK/names") names"
    done
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
