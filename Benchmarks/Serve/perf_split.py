"""Where `kvdeck serve`'s CPU goes under load: `perf script` output of the server process, each
sample put in one bucket by the frames on its stack (the first rule that matches wins), so the
engine's own work (forward pass, kernel workers, sampler, scheduler) stands apart from what the
server adds (HTTP and SSE, JSON, task hops, socket writes).

Usage: perf script -i perf.data | perf_split.py      (profile.sh runs it)
"""
import collections, sys

# (bucket, any of these substrings in a frame) in order.
RULES = [
    ("engine: forward pass and kernel workers", ["worker_main", "kvd_pool_run", "CPUModelRunner", "InferenceA0C7forward"]),
    # Before the engine's other code: a server frame's mangled name may mention Engine's types.
    ("server: HTTP/SSE, JSON, request handling", ["s12EngineServer", "Hummingbird", "s4YAML"]),
    ("server: NIO event loops and sockets", ["NIO"]),
    ("engine: sampler, scheduler, detokenizer", ["s6Engine"]),
    ("Swift concurrency runtime (task hops)", ["swift_task", "swift_job", "libswift_Concurrency", "_dispatch"]),
]


def bucket(frames):
    for name, marks in RULES:
        if any(m in f for f in frames for m in marks):
            return name
    return "other (kernel, libc, idle spin outside a frame we know)"


counts = collections.Counter()
frames = []
for line in list(sys.stdin) + ["\n"]:
    if line.strip():
        if not line.startswith(("\t", " ")):
            frames = [line]
        else:
            frames.append(line)
    elif frames:
        counts[bucket(frames)] += 1
        frames = []
total = sum(counts.values()) or 1
print(f"{total} samples")
for name, n in counts.most_common():
    print(f"{100 * n / total:6.2f}%  {name}")
