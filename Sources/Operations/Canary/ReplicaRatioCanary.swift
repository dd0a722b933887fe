import Foundation
import Kube
import YAML

/// Two Deployments behind one Service: the Service selects the labels both share, each adds its
/// track. Weight moves by scaling (merge patch of `/scale` on both); promote gives the stable
/// Deployment the canary's containers and scales the canary to 0; abort scales the canary to 0.
enum ReplicaRatioCanary {
    static func detect(_ client: KubeClient, name: String, namespace: String) async throws -> CanaryState? {
        let canaryName = "\(name)-canary"
        guard let stable = try? await client.get(Deployment.resourceType, name: name, namespace: namespace),
              let canary = try? await client.get(Deployment.resourceType, name: canaryName, namespace: namespace) else {
            return nil
        }
        let stableLabels = labels(stable), canaryLabels = labels(canary)
        // A Service whose selector matches both tracks' pods carries the split traffic.
        let services = (try? await client.list(Service.resourceType, namespace: namespace).items) ?? []
        let shared = services.first { service in
            guard let selector = service["spec"]?["selector"]?.objectValue, !selector.isEmpty else { return false }
            return selector.entries.allSatisfy { stableLabels[$0.key] == $0.value.stringValue && canaryLabels[$0.key] == $0.value.stringValue }
        }
        let stableReplicas = Int(stable["spec"]?["replicas"]?.intValue ?? 1)
        let canaryReplicas = Int(canary["spec"]?["replicas"]?.intValue ?? 1)
        var details: [String: String] = [
            "stableReady": "\(stable["status"]?["readyReplicas"]?.intValue ?? 0)/\(stableReplicas)",
            "canaryReady": "\(canary["status"]?["readyReplicas"]?.intValue ?? 0)/\(canaryReplicas)",
        ]
        if shared == nil { details["note"] = "no Service selects both tracks; the split is by replicas only" }
        return CanaryState(namespace: namespace,
                           mechanism: .replicaRatio(stable: name, canary: canaryName,
                                                    service: shared?["metadata"]?["name"]?.stringValue),
                           object: "deployment.apps/\(name)+deployment.apps/\(canaryName)", stableName: name,
                           canaryName: canaryName, stableWeight: stableReplicas, canaryWeight: canaryReplicas,
                           canaryPercent: CanaryState.percent(canary: canaryReplicas, stable: stableReplicas),
                           managedBy: nil, details: details)
    }

    static func labels(_ deployment: JSONValue) -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in deployment["spec"]?["template"]?["metadata"]?["labels"]?.objectValue?.entries ?? [] {
            out[key] = value.stringValue
        }
        return out
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
