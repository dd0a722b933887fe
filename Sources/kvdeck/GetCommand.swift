import ArgumentParser
import Foundation
import Kube
import YAML

/// `kvdeck get`: what `kubectl get` prints, for the kinds the console shows.
struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "List any resource the cluster serves, as kubectl get does.",
        discussion: """
        The resource is named as kubectl names it: plural, singular or short name, optionally with \
        its group (hpa, pvc, netpol, pdb, horizontalpodautoscalers.autoscaling); names the console \
        knows resolve at once, others through the server's discovery, custom resources included. \
        Columns come from the API server (server-side tables), so they match kubectl's. \
        -o json and -o yaml print the objects as a List; -o name prints KIND/NAME.
        """)

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case wide, json, yaml, name
    }

    @Argument(help: "The resource, e.g. deployments (deploy), pods (po), nodes (no), events (ev), services (svc), hpa, pvc, netpol, pdb.")
    var resource: String

    @Argument(help: "Names of objects to get (all when none are given).")
    var names: [String] = []

    @OptionGroup var cluster: ClusterOptions

    @Flag(name: [.customShort("A"), .long], help: "List across all namespaces.")
    var allNamespaces = false

    @Option(name: [.short, .long], help: "Output format: wide, json, yaml or name.")
    var output: OutputFormat?

    @Option(name: [.short, .long], help: "Label selector, e.g. app=vllm,tier!=canary.")
    var selector: String?

    @Option(name: .long, help: "Field selector, e.g. status.phase=Running.")
    var fieldSelector: String?

    @Flag(name: .long, help: "Keep metadata.managedFields in -o json/yaml (kubectl hides them too).")
    var showManagedFields = false

    func run() async throws {
        do {
            if allNamespaces && !names.isEmpty {
                throw ValidationError("a resource cannot be retrieved by name across all namespaces")
            }
            let (client, connection) = try cluster.connect()
            for warning in connection.warnings { Diagnostics.warn(warning) }
            guard let type = try await KnownResource.resolve(resource, client: client) else {
                throw UnknownResourceType(name: KnownResource.split(resource)?.resource ?? resource)
            }
            let namespace: String? = type.namespaced ? (allNamespaces ? nil : connection.namespace) : nil
            let options = ListOptions(labelSelector: selector, fieldSelector: fieldSelector)
            switch output {
            case .json, .yaml, .name:
                let objects = try await fetchObjects(client, type: type, namespace: namespace, options: options)
                print(render(objects: objects, type: type), terminator: "")
            case nil, .wide:
                let text = try await renderTable(client, type: type, namespace: namespace, options: options)
                if text.isEmpty {
                    let scope = namespace.map { " in \($0) namespace" } ?? ""
                    FileHandle.standardError.write(Data("No resources found\(scope).\n".utf8))
                } else {
                    print(text, terminator: "")
                }
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw Diagnostics.fail(error)
        }
    }

    private func fetchObjects(_ client: KubeClient, type: ResourceType, namespace: String?,
                              options: ListOptions) async throws -> [JSONValue] {
        if !names.isEmpty {
            var objects: [JSONValue] = []
            for name in names { objects.append(try await client.get(type, name: name, namespace: namespace)) }
            return objects
        }
        return try await client.listAll(type, namespace: namespace, options: options).items
    }

    /// kubectl prints a v1 List whose items carry their kind and apiVersion (list items come without).
    private func render(objects: [JSONValue], type: ResourceType) -> String {
        let items = objects.map { object -> JSONValue in
            var object = object
            if object["kind"] == nil { object["kind"] = .string(type.kind) }
            if object["apiVersion"] == nil { object["apiVersion"] = .string(type.apiVersion) }
            if !showManagedFields { object["metadata"]?["managedFields"] = nil }
            // kubectl prints unstructured maps, whose keys Go writes sorted.
            return object.sortingKeys()
        }
        switch output {
        case .name:
            return items.map { type.objectName($0["metadata"]?["name"]?.stringValue ?? "") + "\n" }.joined()
        case .yaml:
            let value: JSONValue = names.count == 1 ? items[0] : list(items)
            return YAML.emit(value)
        default:
            let value: JSONValue = names.count == 1 ? items[0] : list(items)
            return value.jsonString(indentWidth: 4, escapingHTML: true) + "\n"
        }
    }

    private func list(_ items: [JSONValue]) -> JSONValue {
        ["apiVersion": "v1", "items": .array(items), "kind": "List", "metadata": ["resourceVersion": ""]]
    }

    private func renderTable(_ client: KubeClient, type: ResourceType, namespace: String?,
                             options: ListOptions) async throws -> String {
        var columns: [KubeTable.Column] = []
        var rows: [KubeTable.Row] = []
        do {
            if names.isEmpty {
                var page = options
                page.limit = 500
                repeat {
                    let table = try await client.table(type, namespace: namespace, options: page)
                    columns = table.columnDefinitions
                    rows += table.rows
                    page.continueToken = table.metadata.continue
                } while page.continueToken?.isEmpty == false
            } else {
                for name in names {
                    let table = try await client.table(type, namespace: namespace, name: name)
                    columns = table.columnDefinitions
                    rows += table.rows
                }
            }
        } catch KubeClientError.undecodableResponse {
            // A server that cannot render tables: kubectl falls back to NAME and AGE from the objects.
            return try await fallbackTable(client, type: type, namespace: namespace, options: options)
        }
        guard !rows.isEmpty else { return "" }
        let shown = columns.indices.filter { output == .wide || columns[$0].priority == 0 }
        var lines: [[String]] = []
        let withNamespace = namespace == nil && type.namespaced
        lines.append((withNamespace ? ["NAMESPACE"] : []) + shown.map { columns[$0].name.uppercased() })
        for row in rows {
            let ns = row.object?["metadata"]?["namespace"]?.stringValue ?? ""
            lines.append((withNamespace ? [ns] : []) + shown.map { i in i < row.cells.count ? cellText(row.cells[i]) : "" })
        }
        return KubectlTabWriter.format(lines)
    }

    private func fallbackTable(_ client: KubeClient, type: ResourceType, namespace: String?,
                               options: ListOptions) async throws -> String {
        let objects = try await fetchObjects(client, type: type, namespace: namespace, options: options)
        guard !objects.isEmpty else { return "" }
        let withNamespace = namespace == nil && type.namespaced
        var lines = [(withNamespace ? ["NAMESPACE"] : []) + ["NAME", "AGE"]]
        for o in objects {
            let meta = o["metadata"]
            lines.append((withNamespace ? [meta?["namespace"]?.stringValue ?? ""] : [])
                + [meta?["name"]?.stringValue ?? "", HumanDuration.age(of: meta?["creationTimestamp"]?.stringValue)])
        }
        return KubectlTabWriter.format(lines)
    }

    /// A cell as kubectl prints it: strings as they are, numbers and booleans as Go's %v, null as <none>.
    private func cellText(_ value: JSONValue) -> String {
        switch value {
        case .null: return "<none>"
        case let .string(s): return s
        case let .int(i): return String(i)
        case let .double(d): return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case let .bool(b): return b ? "true" : "false"
        case .array, .object: return value.jsonString()
        }
    }
}

/// A name neither the built-in kinds nor the server's discovery know; kubectl's words, which name
/// the resource without its group.
struct UnknownResourceType: Error, CustomStringConvertible {
    var name: String
    var description: String { "the server doesn't have a resource type \"\(name)\"" }
}

/// The kinds `kvdeck get` knows without asking, by the names and short names kubectl accepts;
/// any other resource is found through the server's discovery (`resolve`).
enum KnownResource {
    static let all: [(names: [String], type: ResourceType)] = [
        (["deployments", "deployment", "deploy"], Deployment.resourceType),
        (["statefulsets", "statefulset", "sts"], StatefulSet.resourceType),
        (["replicasets", "replicaset", "rs"], ReplicaSet.resourceType),
        (["pods", "pod", "po"], Pod.resourceType),
        (["nodes", "node", "no"], Node.resourceType),
        (["events", "event", "ev"], Event.resourceType),
        (["namespaces", "namespace", "ns"], Namespace.resourceType),
        (["services", "service", "svc"], Service.resourceType),
    ]

    /// "hpa.autoscaling" -> ("hpa", "autoscaling"), "pods" -> ("pods", nil), lower-cased as kubectl
    /// matches them; nil for a name with no resource part.
    static func split(_ name: String) -> (resource: String, group: String?)? {
        let parts = name.lowercased().split(separator: ".", maxSplits: 1).map(String.init)
        guard let resource = parts.first else { return nil }
        return (resource, parts.count == 2 ? parts[1] : nil)
    }

    /// "deployments", "deploy" or "deployments.apps"; a group that is not the kind's is no match.
    static func lookup(_ name: String) -> ResourceType? {
        guard let (bare, group) = split(name) else { return nil }
        return all.first { $0.names.contains(bare) && (group == nil || group == $0.type.group) }?.type
    }

    /// The resource `name` means on this server, as kubectl resolves it: a kind above without a
    /// request, else the server's discovery (`KubeClient.findResource`), where "NAME.GROUP" must
    /// also match the group. nil when nothing matches.
    static func resolve(_ name: String, client: KubeClient) async throws -> ResourceType? {
        if let known = lookup(name) { return known }
        guard let (bare, group) = split(name) else { return nil }
        return try await client.findResource(bare, group: group)
    }
}

extension JSONValue {
    /// The same value with every object's keys in byte order, as Go's encoders write maps.
    func sortingKeys() -> JSONValue {
        switch self {
        case let .object(o):
            return .object(JSONObject(o.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { ($0, o[$0]!.sortingKeys()) }))
        case let .array(a):
            return .array(a.map { $0.sortingKeys() })
        default:
            return self
        }
    }
}
