#!/usr/bin/env python3
"""Write a PodList of N copies of a recorded pod, for the list-decode benchmark.

The template is the richest pod (largest JSON, managedFields included) in a recorded list, by default
shared/fixtures/kube/real-apiserver/05-lists/pods.all-namespaces.json. Each copy gets its own name,
generateName suffix, uid, namespace (100 namespaces), resourceVersion, pod IP and node, so that
stores keyed by namespace/name or uid hold N distinct objects, as on a real cluster. The output is
compact JSON, as the apiserver sends it to clients that are not curl.

Usage: make_pod_list.py OUTPUT [--count N] [--start K] [--source LIST.json]

--start numbers the pods from K, so that pages written one by one (--count 500 --start 0, 500, ...)
together form the same N distinct pods as one big list, as `limit=500` paging would return them.
"""
import argparse
import copy
import json
import os
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SOURCE = os.path.normpath(os.path.join(
    HERE, "..", "..", "..", "shared", "fixtures", "kube", "real-apiserver", "05-lists",
    "pods.all-namespaces.json"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output")
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--source", default=DEFAULT_SOURCE)
    args = parser.parse_args()

    with open(args.source, encoding="utf-8") as f:
        source = json.load(f)
    items = source.get("items") or []
    if not items:
        print(f"{args.source}: no items", file=sys.stderr)
        return 1
    template = max(items, key=lambda item: len(json.dumps(item)))

    nodes = ["gpu-node-a", "gpu-node-b", "gpu-node-c"]
    base_rv = int(source.get("metadata", {}).get("resourceVersion") or "1000")
    # uuid5 keeps the output identical from run to run, so timings compare like with like.
    namespace_uuid = uuid.UUID("6f1c1d7e-7a5b-4c1e-9a8e-000000000000")
    out_items = []
    for i in range(args.start, args.start + args.count):
        pod = copy.deepcopy(template)
        meta = pod["metadata"]
        prefix = meta.get("generateName") or "bench-pod-"
        meta["name"] = f"{prefix}{i:05d}"
        meta["namespace"] = f"bench-{i % 100:02d}"
        meta["uid"] = str(uuid.uuid5(namespace_uuid, str(i)))
        meta["resourceVersion"] = str(base_rv + i)
        status = pod.setdefault("status", {})
        ip = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
        status["podIP"] = ip
        status["podIPs"] = [{"ip": ip}]
        pod.setdefault("spec", {})["nodeName"] = nodes[i % len(nodes)]
        out_items.append(pod)

    body = {
        "kind": "PodList",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": str(base_rv + args.start + args.count)},
        "items": out_items,
    }
    with open(args.output, "w", encoding="utf-8") as f:
        json.dump(body, f, separators=(",", ":"))
    print(f"{args.output}: {args.count} pods, {os.path.getsize(args.output)} bytes, template {template['metadata']['name']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
