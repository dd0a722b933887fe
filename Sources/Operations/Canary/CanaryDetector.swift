import Foundation
import Kube
import YAML

/// Finds how the canary of `name` is split, in the order that decides traffic: an Argo Rollout or
/// KServe InferenceService of that name owns the split outright; else a route (HTTPRoute, then
/// VirtualService) of that name with two weighted backends; else two Deployments, `name` and
/// `name-canary`, behind one Service. Kinds a cluster does not serve (404) are skipped.
public struct CanaryDetector: Sendable {
    let client: KubeClient

    public init(client: KubeClient) { self.client = client }

    public func detect(name: String, namespace: String) async throws -> CanaryState {
        if let rollout = try await optionalGet(CanaryResources.argoRollout, name, namespace) {
            return ArgoRolloutCanary.state(rollout, namespace: namespace)
        }
        if let isvc = try await optionalGet(CanaryResources.inferenceService, name, namespace) {
            return KServeCanary.state(isvc, namespace: namespace)
        }
        let rollouts = (try? await client.list(CanaryResources.argoRollout, namespace: namespace).items) ?? []
        for type in [CanaryResources.httpRoute, CanaryResources.virtualService] {
            if let route = try await optionalGet(type, name, namespace),
               var state = WeightedRouteCanary.state(route, type: type, namespace: namespace) {
                state.managedBy = RouteOwnership.manager(of: route, kind: type, rollouts: rollouts)
                return state
            }
        }
        if let state = try await ReplicaRatioCanary.detect(client, name: name, namespace: namespace) { return state }
        throw OperationError.canary("no canary found for \"\(name)\" in namespace \(namespace): looked for an Argo Rollout, a KServe InferenceService, an HTTPRoute or VirtualService with two weighted backends, and Deployments \(name) and \(name)-canary")
    }

    /// GET that answers nil for a missing object or an API the cluster does not serve.
    func optionalGet(_ type: ResourceType, _ name: String, _ namespace: String) async throws -> JSONValue? {
        do {
            return try await client.get(type, name: name, namespace: namespace)
        } catch let error as KubeAPIError where error.isNotFound || error.code == 404 {
            return nil
        }
    }
}
