import Foundation
import Kube
import YAML

/// `kubectl scale`: a merge patch of the `/scale` subresource, or, with "expected current N", a
/// GET of `/scale`, the precondition check, and a PUT carrying the resourceVersion (409s retried).
public struct ScaleOperation: Sendable {
    let client: KubeClient

    public init(client: KubeClient) { self.client = client }

    /// - Parameter currentReplicas: kubectl's `--current-replicas`: refuse unless the workload has
    ///   this many now, and make the write conditional on the version read.
    public func prepare(_ workload: WorkloadRef, replicas: Int, currentReplicas: Int? = nil) async throws -> PreparedOperation {
        guard replicas >= 0 else { throw OperationError.usage("The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0") }
        // kubectl reads the object first (its resource builder); a missing object fails here with the server's 404.
        _ = try await client.get(workload.kind.resourceType, name: workload.name, namespace: workload.namespace)
        let warnings = await AutoscalerCheck(client: client).warnings(for: workload)
        guard let expected = currentReplicas else {
            let body: JSONValue = ["spec": ["replicas": .int(Int64(replicas))]]
            let request = PlannedRequest.patch(workload.kind.resourceType, name: workload.name, namespace: workload.namespace,
                                               subresource: "scale", .merge, body: body)
            return PreparedOperation(verb: "scale", target: workload.description, request: request, successWord: "scaled",
                                     warnings: warnings)
        }
        let client = self.client
        let plan: @Sendable () async throws -> PlannedRequest = {
            try await Self.preconditionedPut(client, workload, replicas: replicas, expected: expected)
        }
        return PreparedOperation(verb: "scale", target: workload.description, request: try await plan(),
                                 successWord: "scaled", warnings: warnings, replan: plan)
    }

    /// GET `/scale`, check the precondition, set `spec.replicas`, PUT it back with its resourceVersion.
    static func preconditionedPut(_ client: KubeClient, _ workload: WorkloadRef, replicas: Int,
                                  expected: Int) async throws -> PlannedRequest {
        var scale = try await client.get(workload.kind.resourceType, name: workload.name, namespace: workload.namespace,
                                         subresource: "scale")
        let actual = Int(scale["spec"]?["replicas"]?.intValue ?? 0)
        guard actual == expected else { throw OperationError.preconditionFailed(expected: expected, actual: actual) }
        if scale["spec"] == nil { scale["spec"] = .object([:]) }
        scale["spec"]?["replicas"] = .int(Int64(replicas))
        return PlannedRequest(method: .put, type: workload.kind.resourceType, name: workload.name,
                              namespace: workload.namespace, subresource: "scale", body: GoJSON.data(scale))
    }
}
