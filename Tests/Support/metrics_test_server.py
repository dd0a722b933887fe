#!/usr/bin/env python3
"""A vLLM-shaped /metrics server for tests and the scrape benchmark (stdlib only).

Serves GET /metrics and GET /pod/N/metrics: vLLM V1 names and labels, counters that grow with the
time since start (so two reads give a rate), a TTFT histogram with vLLM's buckets whose counts grow
too, and per-pod values that differ by N. GET /html answers an HTML page (not metrics); any other
path is a 404. Prints its port on the first line and exits when stdin closes.
"""
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

START = time.monotonic()
TTFT = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
        20.0, 40.0, 80.0, 160.0, 640.0, 2560.0]
ITL = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0]
E2E = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0,
       480.0, 960.0, 1920.0, 7680.0]


def histogram(name, bounds, labels, requests, typical):
    """Cumulative buckets for `requests` observations spread around `typical` seconds."""
    out = [f"# HELP {name} Histogram.\n# TYPE {name} histogram\n"]
    engine, model = labels
    for bound in bounds:
        share = 0.0 if bound < typical / 4 else (0.5 if bound < typical else (0.95 if bound < typical * 4 else 1.0))
        out.append(f'{name}_bucket{{engine="{engine}",le="{bound}",model_name="{model}"}} {float(int(requests * share))}\n')
    out.append(f'{name}_bucket{{engine="{engine}",le="+Inf",model_name="{model}"}} {float(requests)}\n')
    out.append(f'{name}_count{{engine="{engine}",model_name="{model}"}} {float(requests)}\n')
    out.append(f'{name}_sum{{engine="{engine}",model_name="{model}"}} {requests * typical}\n')
    return "".join(out)


def exposition(pod):
    elapsed = time.monotonic() - START
    requests = int(elapsed * (2 + pod % 5))
    labels = ("0", f"model-{pod % 7}")
    base = f'engine="0",model_name="{labels[1]}"'
    parts = [
        "# HELP vllm:num_requests_running Number of requests in model execution batches.\n",
        "# TYPE vllm:num_requests_running gauge\n",
        f"vllm:num_requests_running{{{base}}} {float(pod % 9)}\n",
        "# TYPE vllm:num_requests_waiting gauge\n",
        f"vllm:num_requests_waiting{{{base}}} {float(pod % 3)}\n",
        "# TYPE vllm:kv_cache_usage_perc gauge\n",
        f"vllm:kv_cache_usage_perc{{{base}}} {(pod % 100) / 100.0}\n",
        "# TYPE vllm:generation_tokens_total counter\n",
        f"vllm:generation_tokens_total{{{base}}} {float(requests * 200)}\n",
        "# TYPE vllm:prompt_tokens_total counter\n",
        f"vllm:prompt_tokens_total{{{base}}} {float(requests * 800)}\n",
        "# TYPE vllm:num_preemptions_total counter\n",
        f"vllm:num_preemptions_total{{{base}}} 0.0\n",
        "# TYPE vllm:request_success_total counter\n",
        f'vllm:request_success_total{{engine="0",finished_reason="stop",model_name="{labels[1]}"}} {float(requests)}\n',
        histogram("vllm:time_to_first_token_seconds", TTFT, labels, requests, 0.2),
        histogram("vllm:inter_token_latency_seconds", ITL, labels, requests * 200, 0.03),
        histogram("vllm:e2e_request_latency_seconds", E2E, labels, requests, 6.0),
    ]
    return "".join(parts).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/metrics" or (path.startswith("/pod/") and path.endswith("/metrics")):
            pod = int(path.split("/")[2]) if path.startswith("/pod/") else 0
            self.answer(200, "text/plain; version=0.0.4; charset=utf-8", exposition(pod))
        elif path == "/html":
            self.answer(200, "text/html", b"<!DOCTYPE html>\n<html><body>Sign in</body></html>\n")
        else:
            self.answer(404, "text/plain", b"404 page not found\n")

    def answer(self, status, content_type, body):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.request_queue_size = 1024
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # until the parent closes stdin
    server.shutdown()


if __name__ == "__main__":
    main()
