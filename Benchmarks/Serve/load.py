"""N concurrent streaming clients against an OpenAI-compatible server (kvdeck serve, vllm, llama.cpp).

Stdlib only (asyncio over raw HTTP/1.1), so the client costs little CPU beside the server on the
same machine. Each client sends /v1/completions with stream=true and ignore_eos, reads the SSE
stream, and records its time to first token and its tokens. Prints one JSON line:
{"clients", "requests", "completion_tokens", "wall_s", "tokens_per_s", "ttft_p50_ms", "ttft_p90_ms",
"client_cpu_s"} (the CPU seconds this client used: on a shared machine it competes with the server).

Usage: load.py --port 8000 --clients 32 --requests-per-client 2 --max-tokens 64 [--model NAME] [--extra JSON]
--extra merges fields into every request body (run.sh gives llama.cpp's server neutral sampling with it).
"""
import argparse, asyncio, json, statistics, time


async def one(port, body):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    data = json.dumps(body).encode()
    writer.write(b"POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 b"Connection: close\r\nContent-Length: " + str(len(data)).encode() + b"\r\n\r\n" + data)
    await writer.drain()
    start = time.perf_counter()
    ttft, tokens, buf = None, 0, b""
    while True:
        chunk = await reader.read(65536)
        if not chunk:
            break
        # sse-starlette (llama-cpp-python) ends lines with CRLF; a CR byte is never inside the
        # JSON (strings escape it), so dropping every CR leaves one framing to split on.
        buf += chunk.replace(b"\r", b"")
        while b"\n\n" in buf:
            event, buf = buf.split(b"\n\n", 1)
            i = event.find(b"data: ")
            if i < 0:
                continue
            payload = event[i + 6:]
            if payload.startswith(b"[DONE]"):
                continue
            try:
                obj = json.loads(payload)
            except ValueError:
                continue
            for c in obj.get("choices", []):
                if c.get("text"):
                    if ttft is None:
                        ttft = time.perf_counter() - start
                    tokens += 1
    writer.close()
    return ttft, tokens


async def client(port, body, n, out):
    for _ in range(n):
        out.append(await one(port, body))


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--requests-per-client", type=int, default=2)
    p.add_argument("--max-tokens", type=int, default=64)
    p.add_argument("--model", default=None)
    p.add_argument("--extra", default=None, help="a JSON object merged into every request body")
    p.add_argument("--prompt", default="Write a short story about a lighthouse keeper who finds a message in a bottle.")
    a = p.parse_args()
    body = {"prompt": a.prompt, "max_tokens": a.max_tokens, "stream": True, "ignore_eos": True, "temperature": 0.8}
    if a.model:
        body["model"] = a.model
    if a.extra:
        body.update(json.loads(a.extra))
    results = []
    t0, cpu0 = time.perf_counter(), time.process_time()
    await asyncio.gather(*(client(a.port, body, a.requests_per_client, results) for _ in range(a.clients)))
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    ttfts = sorted(r[0] * 1000 for r in results if r[0] is not None)
    total = sum(r[1] for r in results)
    print(json.dumps({
        "clients": a.clients, "requests": len(results), "completion_tokens": total, "wall_s": round(wall, 2),
        "tokens_per_s": round(total / wall, 1),
        "ttft_p50_ms": round(statistics.median(ttfts), 1) if ttfts else None,
        "ttft_p90_ms": round(ttfts[int(0.9 * (len(ttfts) - 1))], 1) if ttfts else None,
        "client_cpu_s": round(cpu, 3),
    }))


asyncio.run(main())
