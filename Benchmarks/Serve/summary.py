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


def fmt2(x):
    return "-" if x is None else f"{x:.2f}"


def cpu_per_token(peer, load, key):
    """Median CPU milliseconds per completion token (the server's or the engine's process, or load.py)."""
    values = [1000 * r["run"][key] / r["run"]["completion_tokens"] for r in rows
              if r["peer"] == peer and r["load"] == load and r["run"].get(key) is not None and r["run"]["completion_tokens"]]
    return statistics.median(values) if values else None


print()
print("| load (clients × requests × tokens) | peer | runs | completion tokens/s | TTFT p50 | TTFT p90 "
      "| CPU ms/token (server) | CPU ms/token (load.py) | engine steps | load avg |")
print("|---|---|---|---|---|---|---|---|---|---|")
for load in loads:
    c, n, m = load.split()
    for peer in peers:
        runs = [r for r in rows if r["peer"] == peer and r["load"] == load]
        if not runs:
            continue
        print(f"| {c} × {n} × {m} | {peer} | {len(runs)} | {fmt(median(peer, load, 'tokens_per_s'))} "
              f"| {fmt(median(peer, load, 'ttft_p50_ms'), ' ms')} | {fmt(median(peer, load, 'ttft_p90_ms'), ' ms')} "
              f"| {fmt2(cpu_per_token(peer, load, 'cpu_s'))} | {fmt2(cpu_per_token(peer, load, 'client_cpu_s'))} "
              f"| {fmt(median(peer, load, 'engine_steps'))} | {fmt(median(peer, load, 'load_1m'))} |")
print()
for load in loads:
    engine = [r["run"]["tokens_per_s"] for r in rows if r["peer"] == "in-process" and r["load"] == load]
    served = [r["run"]["tokens_per_s"] for r in rows if r["peer"] == "kvdeck serve" and r["load"] == load]
    pairs = [1 - s / e for e, s in zip(engine, served) if e]
    if not pairs:
        continue
    t_engine, t_server = median("in-process", load, "ttft_p50_ms"), median("kvdeck serve", load, "ttft_p50_ms")
    nices = sorted({r["run"].get("client_nice", 0) for r in rows if r["peer"] == "kvdeck serve" and r["load"] == load})
    print(f"{load.replace(' ', ' × ')}: server overhead = 1 - served/in-process tokens/s, per repeat "
          f"{', '.join(f'{100 * p:+.1f}%' for p in pairs)}; median {100 * statistics.median(pairs):+.1f}% "
          f"(medians of each: 1 - {statistics.median(served):.1f}/{statistics.median(engine):.1f} = "
          f"{100 * (1 - statistics.median(served) / statistics.median(engine)):+.1f}%); "
          f"TTFT p50 {t_server:.1f} ms served vs {t_engine:.1f} ms in process; "
          f"load.py at nice {'/'.join(str(n) for n in nices)}")
