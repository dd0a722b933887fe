import Foundation
import Kube
import YAML

/// HTTPRoute and VirtualService splits: a list of weighted backends at a known path. Changes are
/// JSON patches that first `test` the backend names at the indices they touch, so a route edited
/// in between (backends reordered) fails with 422 instead of moving the wrong backend's weight.
enum WeightedRouteCanary {
    /// The backends list path of rule (or http route) `index`, as JSON pointer and as keys.
    static func backendsPath(_ type: ResourceType, _ index: Int) -> [String] {
        type == CanaryResources.httpRoute ? ["spec", "rules", "\(index)", "backendRefs"]
                                          : ["spec", "http", "\(index)", "route"]
    }

    /// Each rule's (or http route's) backends, in order.
    static func ruleBackends(_ route: JSONValue, _ type: ResourceType) -> [[JSONValue]] {
        let isHTTPRoute = type == CanaryResources.httpRoute
        return (route["spec"]?[isHTTPRoute ? "rules" : "http"]?.arrayValue ?? []).map {
            $0[isHTTPRoute ? "backendRefs" : "route"]?.arrayValue ?? []
        }
    }

    /// Where a backend names what it sends to: an HTTPRoute backendRef's `name`, a VirtualService
    /// destination's `host`. The patches test it before touching a backend.
    static func nameKeys(_ type: ResourceType) -> [String] {
        type == CanaryResources.httpRoute ? ["name"] : ["destination", "host"]
    }

    /// The Service of `namespace` a backend sends to: a backendRef of kind Service in the core
    /// group, or a destination whose host names it (`serviceName(ofHost:)`); nil for anything else.
    static func serviceName(of backend: JSONValue, _ type: ResourceType, namespace: String) -> String? {
        if type == CanaryResources.httpRoute {
            guard (backend["kind"]?.stringValue ?? "Service") == "Service", (backend["group"]?.stringValue ?? "").isEmpty,
                  (backend["namespace"]?.stringValue ?? namespace) == namespace else { return nil }
            return backend["name"]?.stringValue
        }
        return backend.value(at: nameKeys(type))?.stringValue.flatMap { serviceName(ofHost: $0, namespace: namespace) }
    }

    static func backendName(_ backend: JSONValue, _ type: ResourceType) -> String {
        if type == CanaryResources.httpRoute { return backend["name"]?.stringValue ?? "" }
        let destination = backend["destination"]
        let host = destination?["host"]?.stringValue ?? ""
        return destination?["subset"]?.stringValue.map { "\(host)/\($0)" } ?? host
    }

    /// The Service of `namespace` that an Istio destination host names, by Kubernetes DNS:
    /// `svc`, `svc.ns`, `svc.ns.svc` or `svc.ns.svc.<cluster domain>`; nil for another namespace's,
    /// an external host, or a wildcard.
    static func serviceName(ofHost host: String, namespace: String) -> String? {
        let labels = host.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let service = labels.first, !service.isEmpty, service != "*" else { return nil }
        switch labels.count {
        case 1: return service
        case 2: return labels[1] == namespace ? service : nil
        default: return labels[1] == namespace && labels[2] == "svc" ? service : nil
        }
    }

    /// `host` with its Service replaced by `service`, keeping how it was written (short or qualified).
    static func host(_ host: String, withService service: String) -> String {
        guard let dot = host.firstIndex(of: ".") else { return service }
        return service + host[dot...]
    }

    /// HTTPRoute weights default to 1; an Istio route without weights sends all to a lone destination.
    static func weight(_ backend: JSONValue, _ type: ResourceType, count: Int) -> Int {
        if let w = backend["weight"]?.intValue { return Int(w) }
        return type == CanaryResources.httpRoute ? 1 : (count == 1 ? 100 : 0)
    }

    /// The split of the first rule with two backends (that `backends` accepts, when given).
    static func state(_ route: JSONValue, type: ResourceType, namespace: String,
                      where accepts: (([JSONValue]) -> Bool)? = nil) -> CanaryState? {
        for (index, backends) in ruleBackends(route, type).enumerated() {
            guard backends.count == 2, accepts?(backends) ?? true else { continue }
            let names = backends.map { backendName($0, type) }
            // The canary is the backend that says so; otherwise the second one.
            let canary = names.firstIndex { $0.lowercased().contains("canary") } ?? 1
            let stable = 1 - canary
            let name = route["metadata"]?["name"]?.stringValue ?? ""
            let stableWeight = weight(backends[stable], type, count: 2)
            let canaryWeight = weight(backends[canary], type, count: 2)
            let mechanism: CanaryMechanism = type == CanaryResources.httpRoute
                ? .httpRoute(name: name, rule: index, stable: stable, canary: canary)
                : .virtualService(name: name, route: index, stable: stable, canary: canary)
            return CanaryState(namespace: namespace, mechanism: mechanism, object: type.objectName(name),
                               stableName: names[stable], canaryName: names[canary], stableWeight: stableWeight,
                               canaryWeight: canaryWeight,
                               canaryPercent: CanaryState.percent(canary: canaryWeight, stable: stableWeight),
                               managedBy: nil, details: [:])
        }
        return nil
    }

    /// The JSON patch giving the canary `percent` and the stable the rest (weights as percents,
    /// which both APIs accept: HTTPRoute's are proportional, so 90/10 is 90%).
    static func patch(_ state: CanaryState, type: ResourceType, index: Int, stable: Int, canary: Int,
                      route: JSONValue, percent: Int) -> JSONValue {
        let base = "/" + backendsPath(type, index).joined(separator: "/")
        let backends = route.value(at: backendsPath(type, index))?.arrayValue ?? []
        var ops: [JSONValue] = []
        let nameKeys = nameKeys(type)
        for (position, weight) in [(stable, 100 - percent), (canary, percent)] {
            let namePath = "\(base)/\(position)/" + nameKeys.joined(separator: "/")
            ops.append(["op": "test", "path": .string(namePath), "value": backends[position].value(at: nameKeys) ?? .null])
            let exists = backends[position]["weight"] != nil
            ops.append(["op": .string(exists ? "replace" : "add"), "path": .string("\(base)/\(position)/weight"),
                        "value": .int(Int64(weight))])
        }
        return .array(ops)
    }
}
