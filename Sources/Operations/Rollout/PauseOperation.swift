import Foundation
import Kube
import YAML

/// `kubectl rollout pause` and `resume`: `{"spec":{"paused":true}}` or `{"spec":{"paused":null}}`
/// as a strategic merge patch (fieldManager kubectl-rollout). Deployments only, as in kubectl.
public struct PauseOperation: Sendable {
    let client: KubeClient

    public init(client: KubeClient) { self.client = client }

    public func prepare(_ ref: WorkloadRef, pause: Bool) async throws -> PreparedOperation {
        let resource = ref.kind.resourceType.description
        guard ref.kind == .deployment else {
            throw OperationError.usage("\(resource) \"\(ref.name)\" \(pause ? "pausing" : "resuming") is not supported")
        }
        let object = try await client.get(ref.kind.resourceType, name: ref.name, namespace: ref.namespace)
        let paused = object["spec"]?["paused"]?.boolValue == true
        if pause && paused { throw OperationError.alreadyPaused(resource: resource, name: ref.name) }
        if !pause && !paused { throw OperationError.notPaused(resource: resource, name: ref.name) }
        let patch: JSONValue = ["spec": ["paused": pause ? .bool(true) : .null]]
        let request = PlannedRequest.patch(ref.kind.resourceType, name: ref.name, namespace: ref.namespace,
                                           .strategicMerge, body: patch, fieldManager: "kubectl-rollout")
        return PreparedOperation(verb: pause ? "rollout pause" : "rollout resume", target: ref.description,
                                 request: request, successWord: pause ? "paused" : "resumed")
    }
}
