import Foundation
import Kube
import YAML

/// `kvdeck canary status|set-weight|step|promote|abort`: prepared operations for whichever
/// mechanism `CanaryDetector` found. Custom resources get JSON or merge patches only; routes that
/// Argo Rollouts or Flagger manage are refused with the reason.
public struct CanaryOperations: Sendable {
    let client: KubeClient

    public init(client: KubeClient) { self.client = client }

    public func status(name: String, namespace: String) async throws -> CanaryState {
        try await CanaryDetector(client: client).detect(name: name, namespace: namespace)
    }

    public func setWeight(_ state: CanaryState, percent: Int) async throws -> PreparedOperation {
        guard (0...100).contains(percent) else { throw OperationError.usage("the canary weight must be between 0 and 100, not \(percent)") }
        try refuseManaged(state)
        switch state.mechanism {
        case let .httpRoute(name, rule, stable, canary):
            return try await routeOperation(state, CanaryResources.httpRoute, name, rule, stable, canary, percent, verb: "canary set-weight")
        case let .virtualService(name, route, stable, canary):
            return try await routeOperation(state, CanaryResources.virtualService, name, route, stable, canary, percent, verb: "canary set-weight")
        case let .kserve(name):
            let request = PlannedRequest.patch(CanaryResources.inferenceService, name: name, namespace: state.namespace, .merge,
                                               body: KServeCanary.patch(percent: percent))
            return PreparedOperation(verb: "canary set-weight", target: state.object, request: request,
                                     successWord: "canary weight set to \(percent)%")
        case .argoRollout:
            throw OperationError.canary("\(state.object) moves traffic by its declarative steps: use promote (or edit spec.strategy.canary.steps) rather than setting a weight")
        case let .replicaRatio(stable, canary, _):
            let split = ReplicaRatioCanary.split(total: state.stableWeight + state.canaryWeight, percent: percent)
            let requests = [(stable, split.stable), (canary, split.canary)].map { name, replicas in
                PlannedRequest.patch(Deployment.resourceType, name: name, namespace: state.namespace, subresource: "scale",
                                     .merge, body: ["spec": ["replicas": .int(Int64(replicas))]])
            }
            return PreparedOperation(verb: "canary set-weight", target: state.object, request: requests[0],
                                     successWord: "scaled to \(split.stable) stable / \(split.canary) canary replicas",
                                     followUps: [requests[1]])
        }
    }

    /// Moves the canary `by` percentage points (clamped to 0...100).
    public func step(_ state: CanaryState, by points: Int) async throws -> PreparedOperation {
        try await setWeight(state, percent: max(0, min(100, state.canaryPercent + points)))
    }

    public func promote(_ state: CanaryState, full: Bool = false) async throws -> PreparedOperation {
        try refuseManaged(state)
        switch state.mechanism {
        case .httpRoute, .virtualService:
            var operation = try await setWeight(state, percent: 100)
            operation.verb = "canary promote"
            operation.successWord = "promoted"
            return operation
        case let .kserve(name):
            let request = PlannedRequest.patch(CanaryResources.inferenceService, name: name, namespace: state.namespace, .merge,
                                               body: KServeCanary.patch(percent: nil))
            return PreparedOperation(verb: "canary promote", target: state.object, request: request, successWord: "promoted")
        case let .argoRollout(name):
            let rollout = try await client.get(CanaryResources.argoRollout, name: name, namespace: state.namespace)
            let patches = ArgoRolloutCanary.promotePatches(rollout, full: full)
            let status = PlannedRequest.patch(CanaryResources.argoRollout, name: name, namespace: state.namespace,
                                              subresource: "status", .merge, body: patches.status)
            let spec = patches.spec.map {
                PlannedRequest.patch(CanaryResources.argoRollout, name: name, namespace: state.namespace, .merge, body: $0)
            }
            return PreparedOperation(verb: "canary promote", target: state.object, request: status, successWord: "promoted",
                                     followUps: spec.map { [$0] } ?? [])
        case let .replicaRatio(stable, canary, _):
            // The stable track takes the canary's containers (its own labels stay), then the canary goes to 0.
            let canaryObject = try await client.get(Deployment.resourceType, name: canary, namespace: state.namespace)
            guard let containers = canaryObject["spec"]?["template"]?["spec"]?["containers"] else {
                throw OperationError.malformed("deployment \(canary) has no containers")
            }
            let template = PlannedRequest.patch(Deployment.resourceType, name: stable, namespace: state.namespace, .json,
                                                body: [["op": "replace", "path": "/spec/template/spec/containers", "value": containers]])
            let scale = PlannedRequest.patch(Deployment.resourceType, name: canary, namespace: state.namespace,
                                             subresource: "scale", .merge, body: ["spec": ["replicas": 0]])
            return PreparedOperation(verb: "canary promote", target: state.object, request: template, successWord: "promoted",
                                     followUps: [scale])
        }
    }

    public func abort(_ state: CanaryState) async throws -> PreparedOperation {
        try refuseManaged(state)
        switch state.mechanism {
        case .httpRoute, .virtualService, .replicaRatio:
            var operation = try await setWeight(state, percent: 0)
            operation.verb = "canary abort"
            operation.successWord = "aborted"
            return operation
        case let .kserve(name):
            let request = PlannedRequest.patch(CanaryResources.inferenceService, name: name, namespace: state.namespace, .merge,
                                               body: KServeCanary.patch(percent: 0))
            return PreparedOperation(verb: "canary abort", target: state.object, request: request, successWord: "aborted")
        case let .argoRollout(name):
            let request = PlannedRequest.patch(CanaryResources.argoRollout, name: name, namespace: state.namespace,
                                               subresource: "status", .merge, body: ["status": ["abort": true]])
            return PreparedOperation(verb: "canary abort", target: state.object, request: request, successWord: "aborted")
        }
    }

    /// Argo Rollouts' retry after an abort.
    public func retry(_ state: CanaryState) throws -> PreparedOperation {
        guard case let .argoRollout(name) = state.mechanism else {
            throw OperationError.canary("retry applies to Argo Rollouts only; \(state.object) is a \(state.mechanism.kindName) canary")
        }
        let request = PlannedRequest.patch(CanaryResources.argoRollout, name: name, namespace: state.namespace,
                                           subresource: "status", .merge, body: ["status": ["abort": false]])
        return PreparedOperation(verb: "canary retry", target: state.object, request: request, successWord: "retried")
    }

    func refuseManaged(_ state: CanaryState) throws {
        if let manager = state.managedBy {
            throw OperationError.canary("\(state.object) is managed by \(manager), which would revert a direct edit: drive the canary through it instead")
        }
    }

    private func routeOperation(_ state: CanaryState, _ type: ResourceType, _ name: String, _ index: Int, _ stable: Int,
                                _ canary: Int, _ percent: Int, verb: String) async throws -> PreparedOperation {
        let route = try await client.get(type, name: name, namespace: state.namespace)
        let patch = WeightedRouteCanary.patch(state, type: type, index: index, stable: stable, canary: canary, route: route,
                                              percent: percent)
        let request = PlannedRequest.patch(type, name: name, namespace: state.namespace, .json, body: patch)
        return PreparedOperation(verb: verb, target: state.object, request: request,
                                 successWord: "weights set to \(100 - percent)/\(percent) (stable/canary)")
    }
}
