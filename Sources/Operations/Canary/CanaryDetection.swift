import Foundation
import Kube
import YAML

/// Decides how the canary of a workload is split, from objects already read (no I/O), in the
/// order that decides traffic:
/// 1. an Argo Rollout named so, or whose `workloadRef` names the Deployment, owns the split;
/// 2. a KServe InferenceService named so;
/// 3. an HTTPRoute, then a VirtualService, named so, with a rule of two weighted backends;
/// 4. an HTTPRoute, then a VirtualService, whose two-backend rule sends to a Service selecting
///    the workload's pods (or its `-canary` track's): a route need not share the workload's name;
/// 5. two Deployments, `name` and `name-canary` (the split is their replica ratio).
/// A name ending in `-canary` whose base has a canary is that canary's track, and answers its state.
public enum CanaryDetection {
    public static func state(of name: String, namespace: String, in inputs: CanaryInputs) -> CanaryState? {
        if let found = ownState(of: name, namespace: namespace, in: inputs) { return found }
        // The canary Deployment's own row: the state of the pair it belongs to.
        if name.hasSuffix(canarySuffix), inputs.deployment(name, in: namespace) != nil {
            let base = String(name.dropLast(canarySuffix.count))
            if inputs.deployment(base, in: namespace) != nil { return ownState(of: base, namespace: namespace, in: inputs) }
        }
        return nil
    }

    /// The canary track's name for a workload: `NAME-canary`.
    public static func canaryName(of name: String) -> String { name + canarySuffix }
    static let canarySuffix = "-canary"

    private static func ownState(of name: String, namespace: String, in inputs: CanaryInputs) -> CanaryState? {
        let rollouts = inputs.rollouts[namespace] ?? []
        if let rollout = rollouts.first(where: { rolloutNames($0, name) }) {
            return ArgoRolloutCanary.state(rollout, namespace: namespace)
        }
        if let isvc = CanaryInputs.named(name, in: inputs.inferenceServices[namespace]) {
            return KServeCanary.state(isvc, namespace: namespace)
        }
        for type in [CanaryResources.httpRoute, CanaryResources.virtualService] {
            if let route = CanaryInputs.named(name, in: inputs.routes(type, in: namespace)),
               let state = routeState(route, type, namespace, rollouts) {
                return state
            }
        }
        let stable = inputs.deployment(name, in: namespace)
        let canary = inputs.deployment(canaryName(of: name), in: namespace)
        if let state = routeToPods(of: [stable, canary].compactMap { $0 }, namespace, inputs, rollouts) { return state }
        if let stable, let canary {
            return ReplicaRatioCanary.state(stable: stable, canary: canary, services: inputs.services[namespace] ?? [])
        }
        return nil
    }

    /// Argo Rollouts names a Rollout after its app, or points it at a Deployment (`workloadRef`)
    /// whose template it runs while the Deployment itself is scaled to 0.
    private static func rolloutNames(_ rollout: JSONValue, _ name: String) -> Bool {
        if rollout["metadata"]?["name"]?.stringValue == name { return true }
        let ref = rollout["spec"]?["workloadRef"]
        return ref?["name"]?.stringValue == name && (ref?["kind"]?.stringValue ?? "Deployment") == "Deployment"
    }

    private static func routeState(_ route: JSONValue, _ type: ResourceType, _ namespace: String, _ rollouts: [JSONValue],
                                   backends: (([JSONValue]) -> Bool)? = nil) -> CanaryState? {
        guard var state = WeightedRouteCanary.state(route, type: type, namespace: namespace, where: backends) else { return nil }
        state.managedBy = RouteOwnership.manager(of: route, kind: type, rollouts: rollouts)
        return state
    }

    /// An HTTPRoute rule (or VirtualService http route) with two backends, one of them a Service
    /// of this namespace that selects the pods of one of `deployments` (a VirtualService names it
    /// by host).
    private static func routeToPods(of deployments: [Deployment], _ namespace: String, _ inputs: CanaryInputs,
                                    _ rollouts: [JSONValue]) -> CanaryState? {
        let podLabels = deployments.compactMap { $0.spec?.template?.metadata?.labels }
        guard !podLabels.isEmpty else { return nil }
        let services = inputs.services[namespace] ?? []
        let serving = Set(services.filter { service in
            guard let selector = service.spec?.selector, !selector.isEmpty else { return false }
            return podLabels.contains { labels in selector.allSatisfy { labels[$0.key] == $0.value } }
        }.compactMap(\.metadata.name))
        guard !serving.isEmpty else { return nil }
        for type in [CanaryResources.httpRoute, CanaryResources.virtualService] {
            let selectsPods: ([JSONValue]) -> Bool = { backends in
                backends.contains { WeightedRouteCanary.serviceName(of: $0, type, namespace: namespace).map(serving.contains) ?? false }
            }
            for route in inputs.routes(type, in: namespace) {
                if let state = routeState(route, type, namespace, rollouts, backends: selectsPods) { return state }
            }
        }
        return nil
    }
}
