import Foundation
import Kube
import YAML

/// What a new canary track changes from the stable one. At least one of image, model and args.
public struct CanaryTrackChange: Sendable, Equatable {
    public var image: String?
    public var model: String?
    /// Replaces the serving container's args whole (applied before `model`).
    public var args: [String]?
    public var replicas: Int
    /// The canary's share of a route's traffic, in percent (nil: 10 where a route exists).
    public var weight: Int?

    public init(image: String? = nil, model: String? = nil, args: [String]? = nil, replicas: Int = 1, weight: Int? = nil) {
        self.image = image
        self.model = model
        self.args = args
        self.replicas = replicas
        self.weight = weight
    }

    /// For the change-cause annotation and messages: "image=..., model=..., args=...".
    var text: String {
        var parts: [String] = []
        if let image { parts.append("image=\(image)") }
        if let model { parts.append("model=\(model)") }
        if let args { parts.append("args=\(args.joined(separator: " "))") }
        return parts.joined(separator: ", ")
    }
}

/// The objects of a replica-ratio canary, as the Kubernetes docs set one up ("Managing
/// workloads → Canary deployments"): two Deployments whose selectors each carry a `track` label,
/// so neither selects the other's pods, behind Services that select either the shared labels
/// (both tracks: a replica split) or one track each (a route split). Pure: built from objects read.
enum CanaryTrack {
    static let trackLabel = "track"
    static let canaryTrack = "canary"
    /// Set by the server or by other clients on the stable object; meaningless on a new one.
    static let droppedAnnotations = ["deployment.kubernetes.io/revision", "kubectl.kubernetes.io/last-applied-configuration",
                                     RolloutHistory.changeCauseAnnotation]

    /// The canary Deployment: the stable one's labels, selector and template with `track: canary`,
    /// `change` applied to its serving container, and `change.replicas` replicas.
    static func deployment(from stable: JSONValue, change: CanaryTrackChange) throws -> JSONValue {
        let stableName = stable["metadata"]?["name"]?.stringValue ?? ""
        let name = CanaryDetection.canaryName(of: stableName)
        guard var spec = stable["spec"], spec["template"]?["spec"]?["containers"]?.arrayValue?.isEmpty == false else {
            throw OperationError.malformed("deployment \(stableName) has no pod template containers")
        }
        var metadata: JSONValue = ["name": .string(name)]
        if let namespace = stable["metadata"]?["namespace"] { metadata["namespace"] = namespace }
        metadata["labels"] = withTrack(stable["metadata"]?["labels"])
        var annotations = stable["metadata"]?["annotations"]?.objectValue ?? JSONObject()
        for key in droppedAnnotations { annotations[key] = nil }
        annotations[RolloutHistory.changeCauseAnnotation] = .string("kvdeck canary create \(stableName): \(change.text)")
        metadata["annotations"] = .object(annotations)

        spec["replicas"] = .int(Int64(change.replicas))
        spec["paused"] = nil
        var selector = spec["selector"] ?? .object([:])
        selector["matchLabels"] = withTrack(selector["matchLabels"])
        spec["selector"] = selector
        var template = spec["template"] ?? .object([:])
        var templateMetadata = template["metadata"] ?? .object([:])
        templateMetadata["labels"] = withTrack(templateMetadata["labels"])
        template["metadata"] = templateMetadata
        var containers = template["spec"]?["containers"]?.arrayValue ?? []
        let index = servingContainer(containers)
        containers[index] = try changed(containers[index], change)
        template["spec"]?["containers"] = .array(containers)
        spec["template"] = template
        return ["apiVersion": stable["apiVersion"] ?? "apps/v1", "kind": stable["kind"] ?? "Deployment",
                "metadata": metadata, "spec": spec]
    }

    /// Refuses a canary whose pods the stable Deployment's selector would also select (a
    /// selector is immutable, so it cannot be narrowed now): the stable track's pod list,
    /// rollout status and HPA would count the canary's pods, and a Service selecting the
    /// stable's pods would send it traffic regardless of the split.
    static func checkSeparate(stable: JSONValue, canary: JSONValue) throws {
        let name = stable["metadata"]?["name"]?.stringValue ?? ""
        let stableSelector = try selector(stable)
        let canarySelector = try selector(canary)
        let canaryLabels = labels(canary["spec"]?["template"]?["metadata"]?["labels"])
        if stableSelector.matches(labels: canaryLabels) {
            throw OperationError.canary("deployment \(name)'s selector (\(stableSelector.queryString)) would also select the canary's pods (\(canaryLabels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))): a replica-ratio canary needs a \"\(trackLabel)\" label in the stable Deployment's selector and template (selectors cannot be changed: recreate \(name) with \(trackLabel): stable, as in the Kubernetes docs' canary example)")
        }
        guard canarySelector.matches(labels: canaryLabels) else {
            throw OperationError.canary("the canary's selector (\(canarySelector.queryString)) would not select its own pods: deployment \(name)'s selector has an expression on \"\(trackLabel)\"")
        }
    }

    /// The canary's Service for a route: the stable Service's ports, selecting its labels with `track: canary`.
    static func service(from stable: JSONValue, name: String) -> JSONValue {
        var spec: JSONValue = ["selector": withTrack(stable["spec"]?["selector"])]
        if let ports = stable["spec"]?["ports"] { spec["ports"] = ports }
        var metadata: JSONValue = ["name": .string(name)]
        if let namespace = stable["metadata"]?["namespace"] { metadata["namespace"] = namespace }
        if stable["metadata"]?["labels"] != nil { metadata["labels"] = withTrack(stable["metadata"]?["labels"]) }
        return ["apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": spec]
    }

    /// The JSON patch adding the canary Service as a second backend of rule `rule` of an
    /// HTTPRoute, or destination of http route `rule` of a VirtualService (a copy of the stable
    /// backend, renamed), with `percent` of the traffic and the stable backend the rest. It tests
    /// the stable backend's name first, so a route edited in between fails with 422 instead of
    /// being split wrongly.
    static func routePatch(_ type: ResourceType, route: JSONValue, rule: Int, stableBackend: Int,
                           canaryService: String, percent: Int) -> JSONValue {
        let keys = WeightedRouteCanary.backendsPath(type, rule)
        let base = "/" + keys.joined(separator: "/")
        let backend = route.value(at: keys + ["\(stableBackend)"]) ?? .null
        let nameKeys = WeightedRouteCanary.nameKeys(type)
        let stableName = backend.value(at: nameKeys) ?? .null
        var canaryBackend = backend
        if type == CanaryResources.httpRoute {
            canaryBackend["name"] = .string(canaryService)
        } else {
            canaryBackend["destination"]?["host"] = .string(WeightedRouteCanary.host(stableName.stringValue ?? "", withService: canaryService))
        }
        canaryBackend["weight"] = .int(Int64(percent))
        return [
            ["op": "test", "path": .string("\(base)/\(stableBackend)/" + nameKeys.joined(separator: "/")), "value": stableName],
            ["op": .string(backend["weight"] == nil ? "add" : "replace"), "path": .string("\(base)/\(stableBackend)/weight"),
             "value": .int(Int64(100 - percent))],
            ["op": "add", "path": .string("\(base)/-"), "value": canaryBackend],
        ]
    }

    /// The container that serves the model: the first whose command line names one, else the first.
    static func servingContainer(_ containers: [JSONValue]) -> Int {
        containers.firstIndex { container in
            ModelArguments.model(command: words(container["command"]), args: words(container["args"])) != nil
        } ?? 0
    }

    private static func changed(_ container: JSONValue, _ change: CanaryTrackChange) throws -> JSONValue {
        var container = container
        if let image = change.image { container["image"] = .string(image) }
        if let args = change.args { container["args"] = .array(args.map { .string($0) }) }
        if let model = change.model {
            guard let line = ModelArguments.replacing(model: model, command: words(container["command"]), args: words(container["args"])) else {
                throw OperationError.usage("container \(container["name"]?.stringValue ?? "") names no model (no --model flag and no `serve MODEL`): give the whole argument list with --args instead")
            }
            if container["command"] != nil || !line.command.isEmpty { container["command"] = .array(line.command.map { .string($0) }) }
            container["args"] = .array(line.args.map { .string($0) })
        }
        return container
    }

    static func withTrack(_ labels: JSONValue?) -> JSONValue {
        var object = labels?.objectValue ?? JSONObject()
        object[trackLabel] = .string(canaryTrack)
        return .object(object)
    }

    static func selector(_ deployment: JSONValue) throws -> LabelSelector {
        try JSONValueDecoder().decode(LabelSelector.self, from: deployment["spec"]?["selector"] ?? .object([:]))
    }

    static func labels(_ value: JSONValue?) -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in value?.objectValue?.entries ?? [] { out[key] = value.stringValue }
        return out
    }

    static func words(_ value: JSONValue?) -> [String] { (value?.arrayValue ?? []).compactMap(\.stringValue) }
}
