import Foundation
import Kube
import YAML

/// One look at a rollout, as kubectl's status viewers judge it: the line kubectl prints, and
/// whether it is finished. Errors (ProgressDeadlineExceeded, a revision mismatch) are thrown.
public struct RolloutStatusReport: Sendable, Equatable {
    /// kubectl's line, without the newline: "Waiting for deployment \"x\" rollout to finish: ...".
    public var message: String
    public var done: Bool
}

public enum RolloutStatusCheck {
    /// DeploymentStatusViewer.Status, in kubectl's order of checks.
    public static func deployment(_ object: JSONValue, revision: Int64 = 0) throws -> RolloutStatusReport {
        let deployment = try JSONValueDecoder().decode(Deployment.self, from: object)
        let name = deployment.metadata.name ?? ""
        if revision > 0 {
            let running = deployment.revision ?? 0
            if running != revision { throw OperationError.revisionMismatch(desired: revision, running: running) }
        }
        switch deployment.rolloutState {
        case .waitingForObservation:
            return RolloutStatusReport(message: "Waiting for deployment spec update to be observed...", done: false)
        case .progressDeadlineExceeded:
            throw OperationError.progressDeadlineExceeded(name: name)
        case let .updatingReplicas(updated, desired):
            return waiting(name, "\(updated) out of \(desired) new replicas have been updated...")
        case let .terminatingOldReplicas(pending):
            return waiting(name, "\(pending) old replicas are pending termination...")
        case let .waitingForAvailable(available, updated):
            return waiting(name, "\(available) of \(updated) updated replicas are available...")
        case .complete:
            return RolloutStatusReport(message: "deployment \"\(name)\" successfully rolled out", done: true)
        }
    }

    private static func waiting(_ name: String, _ text: String) -> RolloutStatusReport {
        RolloutStatusReport(message: "Waiting for deployment \"\(name)\" rollout to finish: \(text)", done: false)
    }

    /// StatefulSetStatusViewer.Status.
    public static func statefulSet(_ object: JSONValue) throws -> RolloutStatusReport {
        let sts = try JSONValueDecoder().decode(StatefulSet.self, from: object)
        let strategy = sts.spec?.updateStrategy?.type ?? "RollingUpdate"
        guard strategy == "RollingUpdate" else { throw OperationError.statusUnavailable(strategy: "RollingUpdate") }
        let status = sts.status
        let observed = status?.observedGeneration ?? 0
        if observed == 0 || (sts.metadata.generation ?? 0) > observed {
            return RolloutStatusReport(message: "Waiting for statefulset spec update to be observed...", done: false)
        }
        let ready = status?.readyReplicas ?? 0
        if let desired = sts.spec?.replicas, ready < desired {
            return RolloutStatusReport(message: "Waiting for \(desired - ready) pods to be ready...", done: false)
        }
        let updated = status?.updatedReplicas ?? 0
        if let rollingUpdate = sts.spec?.updateStrategy?.rollingUpdate {
            if let desired = sts.spec?.replicas, let partition = rollingUpdate.partition, updated < desired - partition {
                return RolloutStatusReport(
                    message: "Waiting for partitioned roll out to finish: \(updated) out of \(desired - partition) new pods have been updated...",
                    done: false)
            }
            return RolloutStatusReport(message: "partitioned roll out complete: \(updated) new pods have been updated...", done: true)
        }
        let updateRevision = status?.updateRevision ?? ""
        if updateRevision != (status?.currentRevision ?? "") {
            return RolloutStatusReport(
                message: "waiting for statefulset rolling update to complete \(updated) pods at revision \(updateRevision)...",
                done: false)
        }
        return RolloutStatusReport(
            message: "statefulset rolling update complete \(status?.currentReplicas ?? 0) pods at revision \(status?.currentRevision ?? "")...",
            done: true)
    }

    public static func check(_ kind: WorkloadKind, _ object: JSONValue, revision: Int64 = 0) throws -> RolloutStatusReport {
        switch kind {
        case .deployment: return try deployment(object, revision: revision)
        case .statefulSet: return try statefulSet(object)
        }
    }
}
