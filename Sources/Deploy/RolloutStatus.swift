import Operations
import YAML

/// Where a workload's rollout stands, decided by `Operations.RolloutStatusCheck` (kubectl's
/// DeploymentStatusViewer / StatefulSetStatusViewer): one implementation for `kvdeck rollout
/// status`, the console and `kvdeck deploy`.
public struct RolloutStatus: Sendable, Equatable {
    public var message: String
    public var done: Bool

    public init(message: String, done: Bool) {
        self.message = message
        self.done = done
    }

    /// nil for kinds without a rollout to follow. Throws kubectl's error on a progress deadline.
    public static func of(_ object: JSONValue) throws -> RolloutStatus? {
        let kind: WorkloadKind
        switch object["kind"]?.stringValue {
        case "Deployment": kind = .deployment
        case "StatefulSet": kind = .statefulSet
        default: return nil
        }
        do {
            let report = try RolloutStatusCheck.check(kind, object)
            return RolloutStatus(message: report.message, done: report.done)
        } catch {
            throw RolloutError(message: "\(error)")
        }
    }
}

public struct RolloutError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
