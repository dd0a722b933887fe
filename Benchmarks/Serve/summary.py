"""run.sh's table: the median of each peer's runs per load, and the server's overhead
(1 - kvdeck serve tokens/s / in-process tokens/s, and the TTFT it adds) from the same minutes.

Usage: summary.py RESULTS.jsonl   (lines of {"peer", "load": "CLIENTS PER_CLIENT MAX_TOKENS", "run": {load.py's keys}})
"""
import json, statistics, sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
loads = list(dict.fromkeys(r["load"] for r in rows))
peers = list(dict.fromkeys(r["peer"] for r in rows))


def median(peer, load, key):
    values = [r["run"][key] for r in rows if r["peer"] == peer and r["load"] == load and r["run"].get(key) is not None]
    return statistics.median(values) if values else None


def fmt(x, unit=""):
    return "-" if x is None else f"{x:.1f}{unit}"


print()
print("| load (clients × requests × tokens) | peer | runs | completion tokens/s | TTFT p50 | TTFT p90 |")
print("|---|---|---|---|---|---|")
for load in loads:
    c, n, m = load.split()
    for peer in peers:
        runs = [r for r in rows if r["peer"] == peer and r["load"] == load]
        if not runs:
            continue
        print(f"| {c} × {n} × {m} | {peer} | {len(runs)} | {fmt(median(peer, load, 'tokens_per_s'))} "
              f"| {fmt(median(peer, load, 'ttft_p50_ms'), ' ms')} | {fmt(median(peer, load, 'ttft_p90_ms'), ' ms')} |")
print()
for load in loads:
    engine, server = median("in-process", load, "tokens_per_s"), median("kvdeck serve", load, "tokens_per_s")
    t_engine, t_server = median("in-process", load, "ttft_p50_ms"), median("kvdeck serve", load, "ttft_p50_ms")
    if engine and server:
        print(f"{load.replace(' ', ' × ')}: server overhead = 1 - {server:.1f}/{engine:.1f} = {100 * (1 - server / engine):.1f}% "
              f"of the engine's throughput; TTFT p50 {t_server:.1f} ms served vs {t_engine:.1f} ms in process")
