import Foundation
import Kube
import YAML

/// Argo Rollouts: the split follows the Rollout's steps, so weights are not patched. Promote,
/// abort and retry are merge patches of the status subresource, as the kubectl plugin sends them.
enum ArgoRolloutCanary {
    static func state(_ rollout: JSONValue, namespace: String) -> CanaryState {
        let name = rollout["metadata"]?["name"]?.stringValue ?? ""
        let status = rollout["status"]
        let canaryWeight = Int(status?["canary"]?["weights"]?["canary"]?["weight"]?.intValue ?? 0)
        let stableWeight = Int(status?["canary"]?["weights"]?["stable"]?["weight"]?.intValue ?? Int64(100 - canaryWeight))
        var details: [String: String] = [:]
        if let phase = status?["phase"]?.stringValue { details["phase"] = phase }
        if let step = status?["currentStepIndex"]?.intValue {
            let steps = rollout["spec"]?["strategy"]?["canary"]?["steps"]?.arrayValue?.count ?? 0
            details["step"] = "\(step)/\(steps)"
        }
        if let message = status?["message"]?.stringValue { details["message"] = message }
        if let paused = status?["pauseConditions"]?.arrayValue, !paused.isEmpty { details["paused"] = "true" }
        if status?["abort"]?.boolValue == true { details["aborted"] = "true" }
        return CanaryState(namespace: namespace, mechanism: .argoRollout(name: name),
                           object: CanaryResources.argoRollout.objectName(name),
                           stableName: status?["stableRS"]?.stringValue ?? "stable",
                           canaryName: status?["currentPodHash"]?.stringValue ?? "canary",
                           stableWeight: stableWeight, canaryWeight: canaryWeight,
                           canaryPercent: CanaryState.percent(canary: canaryWeight, stable: stableWeight),
                           managedBy: nil, details: details)
    }

    /// kubectl-argo-rollouts promote: clear pause conditions when paused at a step, else advance
    /// one step; `full` skips the remaining steps.
    static func promotePatches(_ rollout: JSONValue, full: Bool) -> (status: JSONValue, spec: JSONValue?) {
        let specPatch: JSONValue? = rollout["spec"]?["paused"]?.boolValue == true ? ["spec": ["paused": false]] : nil
        if full { return (["status": ["promoteFull": true]], specPatch) }
        let status = rollout["status"]
        if let pauses = status?["pauseConditions"]?.arrayValue, !pauses.isEmpty {
            return (["status": ["pauseConditions": .null]], specPatch)
        }
        let steps = rollout["spec"]?["strategy"]?["canary"]?["steps"]?.arrayValue?.count ?? 0
        let current = Int(status?["currentStepIndex"]?.intValue ?? 0)
        return (["status": ["currentStepIndex": .int(Int64(min(current + 1, steps)))]], specPatch)
    }
}
