#!/usr/bin/env python3
"""A Kubernetes API server that answers with responses recorded from a real kube-apiserver.

It serves the recorded bodies in ../shared/fixtures/kube/real-apiserver byte for byte, chosen by
path and Accept header the way the real server chose them, so that kvdeck and the reference client
(kubectl) can be run against the same answers and their outputs compared. It is a test double for
reads only; the embedded local cluster is the real server.

Usage: fixture_apiserver.py --fixtures DIR [--tls CERT KEY] [--client-ca CA] [--token T]
                            [--route PATH=FILE ...] [--log FILE] [--exit-with-stdin]
Prints the port it listens on (127.0.0.1, ephemeral) on the first line of stdout.
"""
import argparse
import http.server
import json
import os
import ssl
import sys
import threading
import urllib.parse

TABLE = "as=Table"
AGGREGATED = "as=APIGroupDiscoveryList"

# path -> (json body, table body); a path absent here answers 404 with a Status.
ROUTES = {
    "/version": ("01-discovery/version.json", None),
    "/api/v1": ("01-discovery/api-v1.json", None),
    "/apis/apps/v1": ("01-discovery/apis-apps-v1.json", None),
    "/apis/apps": ("01-discovery/apis-apps.json", None),
    "/api/v1/namespaces/fixtures/pods": ("05-lists/pods.resourceVersion-0.json", "08-table/pods.table.kubectl-accept.json"),
    "/api/v1/pods": ("05-lists/pods.all-namespaces.json", None),
    "/apis/apps/v1/namespaces/fixtures/deployments": ("05-lists/deployments.json", "08-table/deployments.table.json"),
    "/apis/apps/v1/deployments": ("05-lists/deployments.all-namespaces.json", None),
    "/apis/apps/v1/namespaces/fixtures/replicasets": ("05-lists/replicasets.json", "08-table/replicasets.table.json"),
    "/apis/apps/v1/namespaces/fixtures/statefulsets": ("05-lists/statefulsets.json", "08-table/statefulsets.table.json"),
    "/api/v1/nodes": ("09-nodes-events/nodes.json", "08-table/nodes.table.json"),
    "/api/v1/namespaces/fixtures/events": ("09-nodes-events/events.json", "08-table/events.table.json"),
    "/api/v1/namespaces": ("05-lists/namespaces.json", None),
    "/apis/apps/v1/namespaces/fixtures/deployments/vllm-qwen": ("02-deployment-rollout/12-after-rollout-resume.deployment.json", "08-table/deployment-vllm-qwen.table.json"),
}


def status_body(code, reason, message):
    return json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                       "message": message, "reason": reason, "code": code}).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fixture-apiserver"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        parsed = urllib.parse.urlsplit(self.path)
        accept = self.headers.get("Accept", "")
        self.server.record({"method": "GET", "path": parsed.path, "query": parsed.query, "accept": accept,
                            "authorization": "present" if self.headers.get("Authorization") else "absent",
                            "userAgent": self.headers.get("User-Agent", "")})
        token = self.server.token
        if token is not None and self.headers.get("Authorization") != f"Bearer {token}":
            return self.reply(401, status_body(401, "Unauthorized", "Unauthorized"))
        if parsed.path in ("/api", "/apis"):
            name = parsed.path.strip("/")
            file = f"01-discovery/{name}.aggregated-v2.json" if AGGREGATED in accept else f"01-discovery/{name}.json"
            ctype = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList" if AGGREGATED in accept else "application/json"
            return self.reply_file(file, ctype)
        if urllib.parse.parse_qs(parsed.query).get("watch", [""])[0] in ("true", "1"):
            # No watch streams are recorded: say so instead of sending a list body as a watch.
            return self.reply(405, status_body(405, "MethodNotAllowed", "this fixture server serves no watch streams"))
        route = self.server.routes.get(parsed.path)
        if route is None:
            return self.reply(404, status_body(404, "NotFound", f"the server could not find the requested resource ({parsed.path})"))
        json_file, table_file = route
        if TABLE in accept and table_file:
            return self.reply_file(table_file, "application/json")
        return self.reply_file(json_file, "application/json")

    def reply_file(self, rel, ctype):
        path = rel if os.path.isabs(rel) else os.path.join(self.server.fixtures, rel)
        with open(path, "rb") as f:
            body = f.read()
        self.reply(200, body, ctype)

    def reply(self, code, body, ctype="application/json"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Audit-Id", "fixture")
        self.end_headers()
        self.wfile.write(body)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fixtures, token, routes, log):
        super().__init__(("127.0.0.1", 0), Handler)
        self.fixtures = fixtures
        self.token = token
        self.routes = routes
        self.log = log
        self.lock = threading.Lock()

    def record(self, entry):
        if not self.log:
            return
        with self.lock, open(self.log, "a") as f:
            f.write(json.dumps(entry) + "\n")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--fixtures", required=True)
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--client-ca")
    p.add_argument("--token")
    p.add_argument("--route", action="append", default=[], help="PATH=FILE (absolute or fixture-relative) for the JSON body")
    p.add_argument("--log")
    p.add_argument("--exit-with-stdin", action="store_true",
                   help="exit when stdin closes (tests use this so a crashed run leaves no server behind)")
    a = p.parse_args()
    routes = dict(ROUTES)
    for r in a.route:
        path, _, file = r.partition("=")
        routes[path] = (file, None)
    srv = Server(a.fixtures, a.token, routes, a.log)
    if a.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*a.tls)
        if a.client_ca:
            ctx.load_verify_locations(a.client_ca)
            ctx.verify_mode = ssl.CERT_REQUIRED
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print(srv.server_address[1], flush=True)
    # Exit when the parent closes our stdin, so a crashed test run never leaves a server behind.
    def watch_stdin():
        try:
            sys.stdin.read()
        finally:
            os._exit(0)
    if a.exit_with_stdin:
        threading.Thread(target=watch_stdin, daemon=True).start()
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
