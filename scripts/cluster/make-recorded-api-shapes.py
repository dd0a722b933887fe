#!/usr/bin/env python3
"""Writes Sources/LocalCluster/API/RecordedAPIShapes.swift from the recorded real kube-apiserver.

Run from the repository root with the shared folder beside it:

    python3 scripts/cluster/make-recorded-api-shapes.py

- groups: the recorded aggregated discovery (01-discovery/api.aggregated-v2.json and
  apis.aggregated-v2.json), trimmed to SERVED below, in the recorded group order; then the two
  custom resources as their CRDs publish them (CUSTOM_GROUPS).
- storageVersionHashes: every hash of the recorded legacy lists of v1 and apps/v1.
- tableColumns: the recorded Tables' columnDefinitions (08-table) where there is one; for the kinds
  served without a recorded Table (PRINTER_COLUMNS), kube-apiserver's printers' column lists
  (pkg/printers/internalversion), whose descriptions are the API types' doc strings, taken here from
  the v1.35 OpenAPI v3 documents in ../shared/schemas.
"""
import json
import os
import sys

SHARED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared")
if not os.path.isdir(SHARED):
    SHARED = "../shared"
RECORDED = os.path.join(SHARED, "fixtures/kube/real-apiserver")
SCHEMAS = os.path.join(SHARED, "schemas/k8s-openapi-v3/v1.35")
OUTPUT = "Sources/LocalCluster/API/RecordedAPIShapes.swift"

# (group, version) -> {resource: [served subresources]}, in no particular order: the recorded
# discovery gives the order.
SERVED = {
    ("", "v1"): {
        "configmaps": [], "events": [], "namespaces": ["status"], "nodes": ["proxy", "status"],
        "persistentvolumeclaims": ["status"], "pods": ["binding", "log", "proxy", "status"],
        "secrets": [], "services": ["proxy", "status"],
    },
    ("apps", "v1"): {
        "controllerrevisions": [], "deployments": ["scale", "status"], "replicasets": ["scale", "status"],
        "statefulsets": ["scale", "status"],
    },
    ("authentication.k8s.io", "v1"): {"selfsubjectreviews": []},
    ("authorization.k8s.io", "v1"): {"selfsubjectaccessreviews": []},
    ("autoscaling", "v2"): {"horizontalpodautoscalers": ["status"]},
    ("networking.k8s.io", "v1"): {"networkpolicies": []},
    ("policy", "v1"): {"poddisruptionbudgets": ["status"]},
    ("discovery.k8s.io", "v1"): {"endpointslices": []},
}

CUSTOM_GROUPS = [
    {"metadata": {"name": "gateway.networking.k8s.io"}, "versions": [{"version": "v1", "resources": [{"resource": "httproutes", "responseKind": {"group": "gateway.networking.k8s.io", "version": "v1", "kind": "HTTPRoute"}, "scope": "Namespaced", "singularResource": "httproute", "verbs": ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"], "categories": ["gateway-api"], "subresources": [{"subresource": "status", "responseKind": {"group": "gateway.networking.k8s.io", "version": "v1", "kind": "HTTPRoute"}, "verbs": ["get", "patch", "update"]}]}], "freshness": "Current"}]},
    {"metadata": {"name": "networking.istio.io"}, "versions": [{"version": "v1", "resources": [{"resource": "virtualservices", "responseKind": {"group": "networking.istio.io", "version": "v1", "kind": "VirtualService"}, "scope": "Namespaced", "singularResource": "virtualservice", "verbs": ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"], "shortNames": ["vs"], "categories": ["istio-io", "networking-istio-io"], "subresources": [{"subresource": "status", "responseKind": {"group": "networking.istio.io", "version": "v1", "kind": "VirtualService"}, "verbs": ["get", "patch", "update"]}]}], "freshness": "Current"}]},
]

RECORDED_TABLES = ["pods", "deployments", "replicasets", "statefulsets", "nodes", "events"]


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def schema_doc(document, type_name, field):
    schemas = load(os.path.join(SCHEMAS, document))["components"]["schemas"]
    return schemas[type_name]["properties"][field]["description"]


def printer_columns():
    core = "api__v1_openapi.json"
    meta = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
    name = schema_doc(core, meta, "name")
    age = schema_doc(core, meta, "creationTimestamp")

    def column(title, description, type_="string", format_="", priority=0):
        return {"name": title, "type": type_, "format": format_, "description": description, "priority": priority}

    status = "io.k8s.api.core.v1.PersistentVolumeClaimStatus"
    spec = "io.k8s.api.core.v1.PersistentVolumeClaimSpec"
    return {
        "persistentvolumeclaims": [
            column("Name", name, format_="name"),
            column("Status", schema_doc(core, status, "phase")),
            column("Volume", schema_doc(core, spec, "volumeName")),
            column("Capacity", schema_doc(core, status, "capacity")),
            column("Access Modes", schema_doc(core, status, "accessModes")),
            column("StorageClass", "StorageClass of the pvc"),
            column("VolumeAttributesClass", "VolumeAttributesClass of the pvc"),
            column("Age", age),
            column("VolumeMode", schema_doc(core, spec, "volumeMode"), priority=1),
        ],
        "networkpolicies": [
            column("Name", name, format_="name"),
            column("Pod-Selector", schema_doc("apis__networking.k8s.io__v1_openapi.json",
                                              "io.k8s.api.networking.v1.NetworkPolicySpec", "podSelector")),
            column("Age", age),
        ],
        "poddisruptionbudgets": [
            column("Name", name, format_="name"),
            column("Min Available", "The minimum number of pods that must be available."),
            column("Max Unavailable", "The maximum number of pods that may be unavailable."),
            column("Allowed Disruptions", "Calculated number of pods that may be disrupted at this time.", type_="integer"),
            column("Age", age),
        ],
    }


def trimmed_groups():
    core = load(os.path.join(RECORDED, "01-discovery/api.aggregated-v2.json"))["items"]
    rest = load(os.path.join(RECORDED, "01-discovery/apis.aggregated-v2.json"))["items"]
    groups = []
    found = set()
    for item in core + rest:
        name = item["metadata"].get("name", "")
        versions = []
        for version in item["versions"]:
            served = SERVED.get((name, version["version"]))
            if not served:
                continue
            resources = []
            for resource in version["resources"]:
                subresources = served.get(resource["resource"])
                if subresources is None:
                    continue
                found.add((name, version["version"], resource["resource"]))
                kept = dict(resource)
                if "subresources" in kept:
                    kept["subresources"] = [s for s in kept["subresources"] if s["subresource"] in subresources]
                    if not kept["subresources"]:
                        del kept["subresources"]
                resources.append(kept)
            trimmed = dict(version)
            trimmed["resources"] = resources
            versions.append(trimmed)
        if versions:
            group = dict(item)
            group["versions"] = versions
            groups.append(group)
    wanted = {(g, v, r) for (g, v), resources in SERVED.items() for r in resources}
    if wanted - found:
        sys.exit("not in the recorded discovery: %s" % sorted(wanted - found))
    return groups + CUSTOM_GROUPS


def storage_version_hashes():
    hashes = {}
    for document, prefix in [("api-v1.json", "v1"), ("apis-apps-v1.json", "apps/v1")]:
        for resource in load(os.path.join(RECORDED, "01-discovery", document))["resources"]:
            if "storageVersionHash" in resource:
                hashes["%s/%s" % (prefix, resource["name"])] = resource["storageVersionHash"]
    return hashes


def main():
    tables = {name: load(os.path.join(RECORDED, "08-table/%s.table.json" % name))["columnDefinitions"]
              for name in RECORDED_TABLES}
    tables.update(printer_columns())
    shapes = {"groups": trimmed_groups(), "storageVersionHashes": storage_version_hashes(), "tableColumns": tables}
    text = json.dumps(shapes, separators=(",", ":"), ensure_ascii=False)
    header = """// Generated by scripts/cluster/make-recorded-api-shapes.py from the recorded real kube-apiserver v1.36.2
// discovery documents and Tables (shared/fixtures/kube/real-apiserver/01-discovery, 08-table), trimmed to
// the resources and subresources the local cluster serves; the two custom resources (HTTPRoute,
// VirtualService) are written as their CRDs publish them. Kept verbatim so discovery and table columns
// match the real server byte for byte. The Table columns of PersistentVolumeClaim, NetworkPolicy and
// PodDisruptionBudget (no recorded Table) are kube-apiserver's printer columns with the API's doc
// strings from the v1.35 OpenAPI documents. Do not edit by hand; run the script.
enum RecordedAPIShapes {
    static let json = ##\"\"\"
"""
    with open(OUTPUT, "w", encoding="utf-8") as f:
        f.write(header + text + "\n\"\"\"##\n}\n")


if __name__ == "__main__":
    main()
