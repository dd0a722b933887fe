import Foundation
import Kube
import YAML

/// Two Deployments behind one Service: the Service selects the labels both share, each adds its
/// track. Weight moves by scaling (merge patch of `/scale` on both); promote gives the stable
/// Deployment the canary's containers and scales the canary to 0; abort scales the canary to 0.
enum ReplicaRatioCanary {
    static func state(stable: Deployment, canary: Deployment, services: [Service]) -> CanaryState {
        let namespace = stable.metadata.namespace ?? ""
        let name = stable.metadata.name ?? "", canaryName = canary.metadata.name ?? ""
        let stableLabels = stable.spec?.template?.metadata?.labels ?? [:]
        let canaryLabels = canary.spec?.template?.metadata?.labels ?? [:]
        // A Service whose selector matches both tracks' pods carries the split traffic.
        let shared = services.first { service in
            guard let selector = service.spec?.selector, !selector.isEmpty else { return false }
            return selector.allSatisfy { stableLabels[$0.key] == $0.value && canaryLabels[$0.key] == $0.value }
        }
        let stableReplicas = stable.desiredReplicas, canaryReplicas = canary.desiredReplicas
        var details: [String: String] = [
            "stableReady": "\(stable.status?.readyReplicas ?? 0)/\(stableReplicas)",
            "canaryReady": "\(canary.status?.readyReplicas ?? 0)/\(canaryReplicas)",
        ]
        if shared == nil { details["note"] = "no Service selects both tracks; the split is by replicas only" }
        return CanaryState(namespace: namespace,
                           mechanism: .replicaRatio(stable: name, canary: canaryName, service: shared?.metadata.name),
                           object: "deployment.apps/\(name)+deployment.apps/\(canaryName)", stableName: name,
                           canaryName: canaryName, stableWeight: stableReplicas, canaryWeight: canaryReplicas,
                           canaryPercent: CanaryState.percent(canary: canaryReplicas, stable: stableReplicas),
                           managedBy: nil, details: details)
    }

    /// Replicas for a percent of the same total, rounding to the closest whole pod and up on ties
    /// (Argo Rollouts' rule without traffic routing). A canary asked for above 0% gets at least one.
    static func split(total: Int, percent: Int) -> (stable: Int, canary: Int) {
        var canary = (total * percent * 2 + 100) / 200
        if percent > 0 && canary == 0 && total > 0 { canary = 1 }
        if percent < 100 && canary == total && total > 1 { canary = total - 1 }
        return (total - canary, canary)
    }
}
