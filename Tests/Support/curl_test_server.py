#!/usr/bin/env python3
"""HTTPS server for CurlTransportTests (stdlib only).

Also runs a plain HTTP CONNECT proxy (tunnels to 127.0.0.1 only) on a second port.
Prints "PORT PROXY_PORT" on the first line of stdout, then serves until SIGTERM or until stdin closes
(so it cannot outlive a crashed test run).

  any method /echo       JSON: method, path, headers (in order, repeats kept), body (base64),
                         client certificate subject
  GET /stream            chunked lines, one every 50 ms, until the client goes away
  GET /hang              reads the request and never answers
  GET /bulk?bytes=N      N bytes of a repeating pattern, as fast as the client takes them
  GET /stats             JSON counters: streams started, stream disconnects seen, hangs started,
                         proxy tunnels opened
"""
import argparse
import base64
import json
import os
import select
import signal
import socket
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

stats_lock = threading.Lock()
stats = {"streams_started": 0, "stream_disconnects": 0, "hangs_started": 0, "proxy_connects": 0}
stopping = threading.Event()


def bump(name):
    with stats_lock:
        stats[name] += 1


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_request(self):
        url = urlparse(self.path)
        routes = {"/echo": self.echo, "/stream": self.stream, "/hang": self.hang,
                  "/bulk": self.bulk, "/stats": self.send_stats}
        routes.get(url.path, self.not_found)(url)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = handle_request

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send_json(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def echo(self, url):
        body = self.read_body()
        subject = {}
        cert = self.connection.getpeercert()
        for rdn in (cert or {}).get("subject", ()):
            for key, value in rdn:
                subject.setdefault(key, []).append(value)
        self.send_json(200, {
            "method": self.command,
            "path": self.path,
            "headers": [[k, v] for k, v in self.headers.items()],
            "body": base64.b64encode(body).decode(),
            "client_subject": subject,
        })

    def stream(self, url):
        bump("streams_started")
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for n in range(2000):
                line = f"line {n}\n".encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
                self.wfile.flush()
                if stopping.wait(0.05):
                    break
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            bump("stream_disconnects")
        self.close_connection = True

    def hang(self, url):
        bump("hangs_started")
        stopping.wait(60)
        self.close_connection = True

    def bulk(self, url):
        size = int(parse_qs(url.query).get("bytes", ["0"])[0])
        pattern = bytes(range(256)) * 256  # 64 KiB
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        sent = 0
        try:
            while sent < size:
                piece = pattern[: min(len(pattern), size - sent)]
                self.wfile.write(piece)
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            pass
        self.close_connection = True

    def send_stats(self, url):
        with stats_lock:
            snapshot = dict(stats)
        self.send_json(200, snapshot)

    def not_found(self, url):
        self.send_json(404, {"error": "no such path"})


class TLSServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, context):
        self.context = context
        super().__init__(("127.0.0.1", 0), Handler)

    def finish_request(self, request, client_address):
        # The handshake runs here, in the request's own thread, so a slow or failing client
        # cannot hold up the accept loop.
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        except (ssl.SSLError, OSError):
            pass
        finally:
            tls.close()


class ConnectProxyHandler(BaseHTTPRequestHandler):
    """Answers CONNECT 127.0.0.1:port with a byte tunnel; anything else is refused."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_CONNECT(self):
        host, _, port = self.path.rpartition(":")
        if host != "127.0.0.1" or not port.isdigit():
            self.send_error(403)
            return
        try:
            upstream = socket.create_connection((host, int(port)))
        except OSError:
            self.send_error(502)
            return
        bump("proxy_connects")
        self.send_response(200, "Connection established")
        self.send_header("X-Proxy", "kvdeck-test")
        self.end_headers()
        self.wfile.flush()
        client = self.connection
        sockets = [client, upstream]
        try:
            while not stopping.is_set():
                readable, _, _ = select.select(sockets, [], [], 0.1)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (upstream if sock is client else client).sendall(data)
        except OSError:
            pass
        finally:
            upstream.close()
            self.close_connection = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--client-ca", required=True)
    parser.add_argument("--require-client-cert", action="store_true")
    args = parser.parse_args()

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    context.load_verify_locations(args.client_ca)
    context.verify_mode = ssl.CERT_REQUIRED if args.require_client_cert else ssl.CERT_OPTIONAL

    server = TLSServer(context)
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), ConnectProxyHandler)
    proxy.daemon_threads = True
    threading.Thread(target=proxy.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()

    def stop(*_):
        stopping.set()
        threading.Thread(target=server.shutdown, daemon=True).start()
        threading.Thread(target=proxy.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)

    def watch_stdin():
        sys.stdin.read()
        stop()

    threading.Thread(target=watch_stdin, daemon=True).start()
    print(server.server_address[1], proxy.server_address[1], flush=True)
    server.serve_forever(poll_interval=0.1)
    server.server_close()
    os._exit(0)


if __name__ == "__main__":
    main()
