import YAML

/// Where a workload's rollout stands, decided as `kubectl rollout status` decides it
/// (DeploymentStatusViewer / StatefulSetStatusViewer; console-anchors §2c), from the object's JSON.
public struct RolloutStatus: Sendable, Equatable {
    public var message: String
    public var done: Bool

    /// nil for kinds without a rollout to follow.
    public static func of(_ object: JSONValue) throws -> RolloutStatus? {
        switch object["kind"]?.stringValue {
        case "Deployment": return try deployment(object)
        case "StatefulSet": return statefulSet(object)
        default: return nil
        }
    }

    static func deployment(_ d: JSONValue) throws -> RolloutStatus {
        let name = d["metadata"]?["name"]?.stringValue ?? ""
        let status = d["status"]
        let generation = d["metadata"]?["generation"]?.intValue ?? 0
        let observed = status?["observedGeneration"]?.intValue ?? 0
        guard generation <= observed else {
            return RolloutStatus(message: "Waiting for deployment spec update to be observed...", done: false)
        }
        let progressing = status?["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == "Progressing" }
        if progressing?["reason"]?.stringValue == "ProgressDeadlineExceeded" {
            throw RolloutError(message: "deployment \"\(name)\" exceeded its progress deadline")
        }
        let updated = status?["updatedReplicas"]?.intValue ?? 0
        let replicas = status?["replicas"]?.intValue ?? 0
        let available = status?["availableReplicas"]?.intValue ?? 0
        let prefix = "Waiting for deployment \"\(name)\" rollout to finish: "
        if let wanted = d["spec"]?["replicas"]?.intValue, updated < wanted {
            return RolloutStatus(message: prefix + "\(updated) out of \(wanted) new replicas have been updated...", done: false)
        }
        if replicas > updated {
            return RolloutStatus(message: prefix + "\(replicas - updated) old replicas are pending termination...", done: false)
        }
        if available < updated {
            return RolloutStatus(message: prefix + "\(available) of \(updated) updated replicas are available...", done: false)
        }
        return RolloutStatus(message: "deployment \"\(name)\" successfully rolled out", done: true)
    }

    static func statefulSet(_ s: JSONValue) -> RolloutStatus {
        let status = s["status"]
        let generation = s["metadata"]?["generation"]?.intValue ?? 0
        let observed = status?["observedGeneration"]?.intValue ?? 0
        if observed == 0 || generation > observed {
            return RolloutStatus(message: "Waiting for statefulset spec update to be observed...", done: false)
        }
        guard s["spec"]?["updateStrategy"]?["type"]?.stringValue ?? "RollingUpdate" == "RollingUpdate" else {
            return RolloutStatus(message: "rollout status is only available for RollingUpdate strategy type", done: true)
        }
        let wanted = s["spec"]?["replicas"]?.intValue ?? 1
        let ready = status?["readyReplicas"]?.intValue ?? 0
        if ready < wanted {
            return RolloutStatus(message: "Waiting for \(wanted - ready) pods to be ready...", done: false)
        }
        let updated = status?["updatedReplicas"]?.intValue ?? 0
        if let partition = s["spec"]?["updateStrategy"]?["rollingUpdate"]?["partition"]?.intValue {
            if updated < wanted - partition {
                return RolloutStatus(message: "Waiting for partitioned roll out to finish: \(updated) out of \(wanted - partition) new pods have been updated...", done: false)
            }
            return RolloutStatus(message: "partitioned roll out complete: \(updated) new pods have been updated...", done: true)
        }
        let current = status?["currentRevision"]?.stringValue, update = status?["updateRevision"]?.stringValue
        if current != update {
            return RolloutStatus(message: "waiting for statefulset rolling update to complete \(updated) pods at revision \(update ?? "")...", done: false)
        }
        return RolloutStatus(message: "statefulset rolling update complete \(ready) pods at revision \(current ?? "")...", done: true)
    }
}

public struct RolloutError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
