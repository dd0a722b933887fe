import Foundation
import Kube
import YAML

/// `kvdeck canary create NAME`: a second track of Deployment NAME, `NAME-canary`, with a new
/// image, model or args, and a split of traffic to it:
/// - where an HTTPRoute sends NAME's traffic to a Service selecting NAME's pods (a rule with that
///   one backend), a canary Service `NAME-canary` selecting the canary's pods and a second
///   backendRef with the weight asked for (a JSON patch: custom resources take no strategic merge);
/// - else where an Istio VirtualService does (an http route with that one destination, by host,
///   without a subset), the same Service and a second weighted destination;
/// - otherwise the split is the replica ratio, through the Services that select both tracks.
extension CanaryOperations {
    public func create(name: String, namespace: String, change: CanaryTrackChange) async throws -> PreparedOperation {
        guard change.image != nil || change.model != nil || change.args != nil else {
            throw OperationError.usage("a canary needs something new: give --image, --model or --args")
        }
        guard change.replicas >= 1 else { throw OperationError.usage("the canary needs at least 1 replica, not \(change.replicas)") }
        if let weight = change.weight, !(0...100).contains(weight) {
            throw OperationError.usage("the canary weight must be between 0 and 100, not \(weight)")
        }
        let detector = CanaryDetector(client: client)
        guard let stable = try await detector.optionalGet(Deployment.resourceType, name, namespace) else {
            throw OperationError.canary("deployment \(name) not found in namespace \(namespace)")
        }
        let canaryName = CanaryDetection.canaryName(of: name)
        if try await detector.optionalGet(Deployment.resourceType, canaryName, namespace) != nil {
            throw OperationError.canary("deployment \(canaryName) already exists: a canary of \(name) is running (see kvdeck canary status \(name); promote or abort it, or delete \(canaryName))")
        }
        let canary = try CanaryTrack.deployment(from: stable, change: change)
        try CanaryTrack.checkSeparate(stable: stable, canary: canary)

        let services = try await detector.optionalList(Service.resourceType, namespace)
        let stableLabels = CanaryTrack.labels(stable["spec"]?["template"]?["metadata"]?["labels"])
        let canaryLabels = CanaryTrack.labels(canary["spec"]?["template"]?["metadata"]?["labels"])
        let stableServices = services.filter { Self.selects($0, stableLabels) }
        let target = WorkloadRef(kind: .deployment, name: canaryName, namespace: namespace).description
        var operation = PreparedOperation(verb: "canary create", target: target,
                                          request: .create(Deployment.resourceType, namespace: namespace, object: canary),
                                          successWord: "created")
        let rollouts = try await detector.optionalList(CanaryResources.argoRollout, namespace)
        var found: RouteSplit?
        for type in [CanaryResources.httpRoute, CanaryResources.virtualService] where found == nil {
            let routes = try await detector.optionalList(type, namespace)
            found = try Self.routeSplit(type, routes, services: stableServices, namespace: namespace, rollouts: rollouts)
        }
        guard let split = found else {
            if let weight = change.weight {
                throw OperationError.canary("no HTTPRoute or VirtualService sends \(name)'s traffic to a Service of its pods, so the split is by replicas: give --replicas (the canary's share is its part of all replicas), not --weight \(weight)")
            }
            if !services.contains(where: { Self.selects($0, stableLabels) && Self.selects($0, canaryLabels) }) {
                operation.warnings.append("no Service selects both tracks' pods: the canary gets no traffic until one does")
            }
            return operation
        }
        guard !services.contains(where: { $0["metadata"]?["name"]?.stringValue == canaryName }) else {
            throw OperationError.canary("service \(canaryName) already exists: delete it or abort the canary that uses it first")
        }
        let percent = change.weight ?? Self.defaultRouteWeight
        let service = CanaryTrack.service(from: split.service, name: canaryName)
        let patch = CanaryTrack.routePatch(split.type, route: split.route, rule: split.rule, stableBackend: split.backend,
                                           canaryService: canaryName, percent: percent)
        let routeName = split.route["metadata"]?["name"]?.stringValue ?? ""
        operation.followUps = [
            .create(Service.resourceType, namespace: namespace, object: service),
            .patch(split.type, name: routeName, namespace: namespace, .json, body: patch),
        ]
        operation.successWord = "created, with \(percent)% of \(Self.shortName(split.type, routeName))'s traffic"
        if Self.selects(split.service, canaryLabels) {
            operation.warnings.append("service \(split.service["metadata"]?["name"]?.stringValue ?? "") selects the canary's pods too, so the stable backend also reaches them: the split is not exact")
        }
        if percent > 0 {
            operation.warnings.append("the route sends \(percent)% to \(canaryName) at once, before its pods are ready; to shift traffic only once they are, create with --weight 0 and then use canary set-weight")
        }
        return operation
    }

    /// Where a route splits a fresh canary's traffic: when no weight is given.
    public static let defaultRouteWeight = 10

    /// Where a fresh canary's traffic is split: a route, its rule (HTTPRoute) or http route
    /// (VirtualService), the stable backend's index there, and the Service it names.
    struct RouteSplit {
        var type: ResourceType
        var route: JSONValue
        var rule: Int
        var backend: Int
        var service: JSONValue
    }

    /// A rule whose only backend is a Service selecting the stable pods: an HTTPRoute backendRef,
    /// or a VirtualService destination whose host names such a Service (a destination with a
    /// subset splits through a DestinationRule, which a canary Service does not reach). A rule
    /// that already has two backends is a canary in progress; a route Argo Rollouts or Flagger
    /// owns is theirs to change.
    static func routeSplit(_ type: ResourceType, _ routes: [JSONValue], services: [JSONValue], namespace: String,
                           rollouts: [JSONValue]) throws -> RouteSplit? {
        let isHTTPRoute = type == CanaryResources.httpRoute
        for route in routes {
            for (ruleIndex, backends) in WeightedRouteCanary.ruleBackends(route, type).enumerated() {
                for (backendIndex, backend) in backends.enumerated() {
                    guard backend["destination"]?["subset"] == nil,
                          let name = WeightedRouteCanary.serviceName(of: backend, type, namespace: namespace),
                          let service = services.first(where: { $0["metadata"]?["name"]?.stringValue == name }) else { continue }
                    let routeName = shortName(type, route["metadata"]?["name"]?.stringValue ?? "")
                    if let manager = RouteOwnership.manager(of: route, kind: type, rollouts: rollouts) {
                        throw OperationError.canary("\(routeName) is managed by \(manager), which would revert a direct edit: create the canary through it instead")
                    }
                    guard backends.count == 1 else {
                        throw OperationError.canary("\(routeName) already splits \(isHTTPRoute ? "rule" : "http route") \(ruleIndex) between \(backends.count) backends: a canary is in progress there (kvdeck canary status; promote or abort it first)")
                    }
                    return RouteSplit(type: type, route: route, rule: ruleIndex, backend: backendIndex, service: service)
                }
            }
        }
        return nil
    }

    /// "httproute/NAME", "virtualservice/NAME": as the messages have always named routes.
    static func shortName(_ type: ResourceType, _ name: String) -> String { "\(type.kind.lowercased())/\(name)" }

    static func selects(_ service: JSONValue, _ labels: [String: String]) -> Bool {
        let selector = CanaryTrack.labels(service["spec"]?["selector"])
        return !selector.isEmpty && selector.allSatisfy { labels[$0.key] == $0.value }
    }
}
