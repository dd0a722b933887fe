import Foundation
import Kube
import YAML

/// Reads what `CanaryDetection` decides from, for one workload in one namespace: the Rollout,
/// InferenceService and Deployments of that name (and of its `-canary` track), and the routes,
/// Services and Rollouts of the namespace. Kinds a cluster does not serve (404) or that the user
/// may not list (403) count as empty.
public struct CanaryDetector: Sendable {
    let client: KubeClient

    public init(client: KubeClient) { self.client = client }

    public func detect(name: String, namespace: String) async throws -> CanaryState {
        let inputs = try await inputs(name: name, namespace: namespace)
        if let state = CanaryDetection.state(of: name, namespace: namespace, in: inputs) { return state }
        throw OperationError.canary("no canary found for \"\(name)\" in namespace \(namespace): looked for an Argo Rollout, a KServe InferenceService, an HTTPRoute or VirtualService with two weighted backends, and Deployments \(name) and \(CanaryDetection.canaryName(of: name))")
    }

    func inputs(name: String, namespace: String) async throws -> CanaryInputs {
        var rollouts = try await optionalList(CanaryResources.argoRollout, namespace)
        if rollouts.isEmpty, let named = try await optionalGet(CanaryResources.argoRollout, name, namespace) {
            // Listing may be refused where getting one by name is allowed.
            rollouts = [named]
        }
        let isvc = try await optionalGet(CanaryResources.inferenceService, name, namespace)
        var deploymentNames = [name, CanaryDetection.canaryName(of: name)]
        if name.hasSuffix(CanaryDetection.canarySuffix) { deploymentNames.append(String(name.dropLast(CanaryDetection.canarySuffix.count))) }
        var deployments: [Deployment] = []
        for deploymentName in deploymentNames {
            if let deployment = try await optionalGet(Deployment.self, deploymentName, namespace) { deployments.append(deployment) }
        }
        let services = try await optional { try await client.listAll(Service.self, namespace: namespace).items } ?? []
        return CanaryInputs(deployments: deployments, services: services,
                            httpRoutes: try await optionalList(CanaryResources.httpRoute, namespace),
                            virtualServices: try await optionalList(CanaryResources.virtualService, namespace),
                            inferenceServices: isvc.map { [$0] } ?? [], rollouts: rollouts)
    }

    /// GET that answers nil for a missing object or an API the cluster does not serve.
    func optionalGet(_ type: ResourceType, _ name: String, _ namespace: String) async throws -> JSONValue? {
        do {
            return try await client.get(type, name: name, namespace: namespace)
        } catch let error as KubeAPIError where error.isNotFound {
            return nil
        }
    }

    func optionalGet<T: KubeResource>(_ type: T.Type, _ name: String, _ namespace: String) async throws -> T? {
        do {
            return try await client.get(type, name: name, namespace: namespace)
        } catch let error as KubeAPIError where error.isNotFound {
            return nil
        }
    }

    func optionalList(_ type: ResourceType, _ namespace: String) async throws -> [JSONValue] {
        try await optional { try await client.listAll(type, namespace: namespace).items } ?? []
    }

    /// nil for a kind not served (404) or not listable by this user (403); other errors are real.
    private func optional<T>(_ read: () async throws -> T) async throws -> T? {
        do {
            return try await read()
        } catch let error as KubeAPIError where error.isNotFound || error.isForbidden {
            return nil
        }
    }
}
