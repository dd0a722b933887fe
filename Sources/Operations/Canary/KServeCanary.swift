import Foundation
import Kube
import YAML

/// KServe (Serverless mode): `spec.predictor.canaryTrafficPercent` sends that share to the latest
/// revision and the rest to the previous rolled-out one. Promote removes the field (KServe's
/// documented way); abort sets it to 0, pinning traffic to the previous revision.
enum KServeCanary {
    static func state(_ isvc: JSONValue, namespace: String) -> CanaryState {
        let name = isvc["metadata"]?["name"]?.stringValue ?? ""
        let predictor = isvc["status"]?["components"]?["predictor"]
        // Without the field, the latest ready revision takes all traffic.
        let percent = Int(isvc["spec"]?["predictor"]?["canaryTrafficPercent"]?.intValue ?? 100)
        var details: [String: String] = [:]
        for key in ["latestCreatedRevision", "latestReadyRevision", "latestRolledoutRevision", "previousRolledoutRevision"] {
            if let value = predictor?[key]?.stringValue { details[key] = value }
        }
        for entry in predictor?["traffic"]?.arrayValue ?? [] {
            if let revision = entry["revisionName"]?.stringValue, let share = entry["percent"]?.intValue {
                details["traffic/\(revision)"] = "\(share)%"
            }
        }
        return CanaryState(namespace: namespace, mechanism: .kserve(name: name),
                           object: CanaryResources.inferenceService.objectName(name),
                           stableName: predictor?["previousRolledoutRevision"]?.stringValue ?? "previous revision",
                           canaryName: predictor?["latestCreatedRevision"]?.stringValue ?? "latest revision",
                           stableWeight: 100 - percent, canaryWeight: percent, canaryPercent: percent,
                           managedBy: nil, details: details)
    }

    static func patch(percent: Int?) -> JSONValue {
        ["spec": ["predictor": ["canaryTrafficPercent": percent.map { .int(Int64($0)) } ?? .null]]]
    }
}
