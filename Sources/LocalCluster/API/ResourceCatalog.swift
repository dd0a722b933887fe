import Foundation
import YAML

/// A resource the local cluster serves, as discovery describes it.
public struct ServedResource: Sendable, Hashable {
    public var group: String
    public var version: String
    public var plural: String
    public var singular: String
    public var kind: String
    public var namespaced: Bool
    public var verbs: [String]
    public var shortNames: [String]
    public var subresources: [String]
    /// Served as unstructured objects, as CRDs are (no strategic merge patch).
    public var isCustom: Bool

    /// The store's name for it: `apps/deployments`, or `pods` for the core group.
    public var groupResource: String { group.isEmpty ? plural : "\(group)/\(plural)" }
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// Kinds whose `metadata.generation` the real server maintains (workloads, pods, policies, CRs).
    public var tracksGeneration: Bool {
        isCustom || ["deployments", "replicasets", "statefulsets", "pods", "horizontalpodautoscalers",
                     "poddisruptionbudgets", "networkpolicies"].contains(plural)
    }

    /// Kinds whose delete answers with the object rather than a success Status (graceful
    /// deletion for pods, the Terminating phase for namespaces).
    var deleteReturnsObject: Bool { group.isEmpty && (plural == "pods" || plural == "namespaces") }
}

/// The served groups, versions and resources, with the discovery documents built from them.
/// Shapes come verbatim from the recorded real server (`RecordedAPIShapes`).
public struct ResourceCatalog: Sendable {
    public let resources: [ServedResource]
    /// Aggregated discovery items (`APIGroupDiscovery`), the core group first.
    let groups: [JSONValue]
    let storageVersionHashes: [String: String]
    let tableColumns: [String: JSONValue]

    public static let standard: ResourceCatalog = {
        // The embedded document is generated from fixtures and checked by the tests; a parse
        // failure is a build defect, not an input error.
        guard let shapes = try? JSONValue(json: RecordedAPIShapes.json) else {
            preconditionFailure("RecordedAPIShapes.json does not parse")
        }
        return ResourceCatalog(shapes: shapes)
    }()

    init(shapes: JSONValue) {
        groups = shapes["groups"]?.arrayValue ?? []
        var hashes: [String: String] = [:]
        for (k, v) in shapes["storageVersionHashes"]?.objectValue?.entries ?? [] { hashes[k] = v.stringValue }
        storageVersionHashes = hashes
        var tables: [String: JSONValue] = [:]
        for (k, v) in shapes["tableColumns"]?.objectValue?.entries ?? [] { tables[k] = v }
        tableColumns = tables
        var served: [ServedResource] = []
        for group in groups {
            let groupName = group["metadata"]?["name"]?.stringValue ?? ""
            for version in group["versions"]?.arrayValue ?? [] {
                for r in version["resources"]?.arrayValue ?? [] {
                    let kindGroup = r["responseKind"]?["group"]?.stringValue ?? ""
                    served.append(ServedResource(
                        group: groupName,
                        version: version["version"]?.stringValue ?? "v1",
                        plural: r["resource"]?.stringValue ?? "",
                        singular: r["singularResource"]?.stringValue ?? "",
                        kind: r["responseKind"]?["kind"]?.stringValue ?? "",
                        namespaced: r["scope"]?.stringValue == "Namespaced",
                        verbs: (r["verbs"]?.arrayValue ?? []).compactMap(\.stringValue),
                        shortNames: (r["shortNames"]?.arrayValue ?? []).compactMap(\.stringValue),
                        subresources: (r["subresources"]?.arrayValue ?? []).compactMap { $0["subresource"]?.stringValue },
                        isCustom: !kindGroup.isEmpty))
                }
            }
        }
        resources = served
    }

    public func resource(group: String, version: String, plural: String) -> ServedResource? {
        resources.first { $0.group == group && $0.version == version && $0.plural == plural }
    }

    public func resource(forKind kind: String, group: String) -> ServedResource? {
        resources.first { $0.kind == kind && $0.group == group }
    }

    func hasGroupVersion(group: String, version: String) -> Bool {
        resources.contains { $0.group == group && $0.version == version }
    }

    // MARK: - Documents

    /// `/version`. A plausible v1.36 server that says it is the local cluster.
    public static let versionInfo: JSONValue = [
        "major": "1", "minor": "36", "emulationMajor": "1", "emulationMinor": "36",
        "minCompatibilityMajor": "1", "minCompatibilityMinor": "35",
        "gitVersion": "v1.36.2-kvdeck+local", "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean", "buildDate": "2026-11-21T00:00:00Z", "goVersion": "swift6",
        "compiler": "swiftc", "platform": "local",
    ]

    func legacyCoreVersions(serverAddress: String) -> JSONValue {
        ["kind": "APIVersions", "versions": ["v1"],
         "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]]]
    }

    private func groupVersions(_ group: JSONValue) -> JSONValue {
        let name = group["metadata"]?["name"]?.stringValue ?? ""
        let versions: [JSONValue] = (group["versions"]?.arrayValue ?? []).map {
            let v = $0["version"]?.stringValue ?? ""
            return ["groupVersion": .string("\(name)/\(v)"), "version": .string(v)]
        }
        return ["kind": "APIGroup", "apiVersion": "v1", "name": .string(name), "versions": .array(versions),
                "preferredVersion": versions.first ?? .null]
    }

    func apiGroup(_ name: String) -> JSONValue? {
        guard let g = groups.first(where: { $0["metadata"]?["name"]?.stringValue == name && !name.isEmpty }) else { return nil }
        return groupVersions(g)
    }

    func legacyGroupList() -> JSONValue {
        let items: [JSONValue] = groups.dropFirst().map {
            var g = groupVersions($0)
            g["kind"] = nil
            g["apiVersion"] = nil
            return g
        }
        return ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(items)]
    }

    /// `/api/v1` or `/apis/GROUP/VERSION`: the legacy APIResourceList.
    func resourceList(group: String, version: String) -> JSONValue? {
        guard let g = groups.first(where: { ($0["metadata"]?["name"]?.stringValue ?? "") == group }),
              let v = g["versions"]?.arrayValue?.first(where: { $0["version"]?.stringValue == version }) else { return nil }
        let groupVersion = group.isEmpty ? version : "\(group)/\(version)"
        var entries: [JSONValue] = []
        for r in v["resources"]?.arrayValue ?? [] {
            let plural = r["resource"]?.stringValue ?? ""
            var e = JSONObject()
            e["name"] = .string(plural)
            e["singularName"] = r["singularResource"] ?? ""
            e["namespaced"] = .bool(r["scope"]?.stringValue == "Namespaced")
            e["kind"] = r["responseKind"]?["kind"] ?? ""
            e["verbs"] = r["verbs"] ?? []
            if let s = r["shortNames"] { e["shortNames"] = s }
            if let c = r["categories"] { e["categories"] = c }
            if let h = storageVersionHashes["\(groupVersion)/\(plural)"] { e["storageVersionHash"] = .string(h) }
            entries.append(.object(e))
            for sub in r["subresources"]?.arrayValue ?? [] {
                var s = JSONObject()
                s["name"] = .string("\(plural)/\(sub["subresource"]?.stringValue ?? "")")
                s["singularName"] = ""
                s["namespaced"] = .bool(r["scope"]?.stringValue == "Namespaced")
                let kindGroup = sub["responseKind"]?["group"]?.stringValue ?? ""
                if !kindGroup.isEmpty, kindGroup != group {
                    s["group"] = .string(kindGroup)
                    s["version"] = sub["responseKind"]?["version"] ?? ""
                }
                s["kind"] = sub["responseKind"]?["kind"] ?? ""
                s["verbs"] = sub["verbs"] ?? []
                entries.append(.object(s))
            }
        }
        let sorted = entries.sorted { ($0["name"]?.stringValue ?? "") < ($1["name"]?.stringValue ?? "") }
        return ["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string(groupVersion), "resources": .array(sorted)]
    }

    /// Aggregated discovery (apidiscovery.k8s.io/v2) for `/api` (core) or `/apis` (the rest).
    func aggregated(core: Bool) -> JSONValue {
        let items = core ? Array(groups.prefix(1)) : Array(groups.dropFirst())
        return ["kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": .object(JSONObject()),
                "items": .array(items)]
    }
}
