import Foundation
import Kube
import YAML

/// `kubectl rollout restart`: stamps `kubectl.kubernetes.io/restartedAt` on the pod template with
/// a strategic merge patch (fieldManager kubectl-rollout), so the controller rolls every pod.
public struct RestartOperation: Sendable {
    let client: KubeClient
    /// The clock, replaceable in tests.
    let now: @Sendable () -> Date
    /// Go formats the stamp in the local zone.
    let timeZone: TimeZone

    public init(client: KubeClient, now: @escaping @Sendable () -> Date = { Date() }, timeZone: TimeZone = .current) {
        self.client = client
        self.now = now
        self.timeZone = timeZone
    }

    public static let annotation = "kubectl.kubernetes.io/restartedAt"

    public func prepare(_ ref: WorkloadRef) async throws -> PreparedOperation {
        let object = try await client.get(ref.kind.resourceType, name: ref.name, namespace: ref.namespace)
        if ref.kind == .deployment, object["spec"]?["paused"]?.boolValue == true { throw OperationError.pausedRestart(resource: ref.kind.resourceType.description, name: ref.name) }
        let stamp = Self.rfc3339(now(), timeZone: timeZone)
        // kubectl sends the two-way diff; when the stamp is already there (two restarts in one
        // second) the diff is empty and kubectl refuses.
        if object["spec"]?["template"]?["metadata"]?["annotations"]?[Self.annotation]?.stringValue == stamp {
            throw OperationError.restartTooSoon(name: ref.name)
        }
        let patch: JSONValue = ["spec": ["template": ["metadata": ["annotations": [Self.annotation: .string(stamp)]]]]]
        let request = PlannedRequest.patch(ref.kind.resourceType, name: ref.name, namespace: ref.namespace,
                                           .strategicMerge, body: patch, fieldManager: "kubectl-rollout")
        return PreparedOperation(verb: "rollout restart", target: ref.description, request: request, successWord: "restarted")
    }

    /// Go's `time.Now().Format(time.RFC3339)`: local time, whole seconds, "Z" for UTC.
    static func rfc3339(_ date: Date, timeZone: TimeZone) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = timeZone
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
