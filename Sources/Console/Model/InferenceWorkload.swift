import Foundation
import Kube

/// One row of the workloads screen: a Deployment or StatefulSet that serves a model, with what
/// the cluster says about it. Metric columns are filled by telemetry when it is wired in.
public struct InferenceWorkload: Sendable, Equatable {
    public enum Kind: String, Sendable { case deployment = "Deployment", statefulSet = "StatefulSet" }

    public var kind: Kind
    public var namespace: String
    public var name: String
    public var identity: ServingIdentity?
    public var readyReplicas: Int
    public var desiredReplicas: Int
    public var gpusPerPod: Int64
    public var revision: String
    public var creationTimestamp: String?
    public var selector: LabelSelector?
    public var rolloutComplete: Bool

    public var key: String { "\(namespace)/\(name)" }
    public var totalGPUs: Int64 { gpusPerPod * Int64(desiredReplicas) }

    public init(_ d: Deployment) {
        kind = .deployment
        namespace = d.metadata.namespace ?? ""
        name = d.metadata.name ?? ""
        identity = ServingEngineDetection.identify(d.spec?.template)
        readyReplicas = d.status?.readyReplicas ?? 0
        desiredReplicas = d.desiredReplicas
        gpusPerPod = InferenceWorkload.gpus(d.spec?.template)
        revision = d.revision.map(String.init) ?? "-"
        creationTimestamp = d.metadata.creationTimestamp
        selector = d.spec?.selector
        rolloutComplete = d.isRolloutComplete
    }

    public init(_ s: StatefulSet) {
        kind = .statefulSet
        namespace = s.metadata.namespace ?? ""
        name = s.metadata.name ?? ""
        identity = ServingEngineDetection.identify(s.spec?.template)
        readyReplicas = s.status?.readyReplicas ?? 0
        desiredReplicas = s.desiredReplicas
        gpusPerPod = InferenceWorkload.gpus(s.spec?.template)
        // The controller revision's hash suffix is what `rollout history` shows for StatefulSets.
        revision = s.status?.updateRevision.map { String($0.split(separator: "-").last ?? "-") } ?? "-"
        creationTimestamp = s.metadata.creationTimestamp
        selector = s.spec?.selector
        rolloutComplete = s.isRolloutComplete
    }

    /// GPUs one pod of the template asks for: limits, else requests, summed over containers.
    static func gpus(_ template: PodTemplateSpec?) -> Int64 {
        (template?.spec?.containers ?? []).reduce(0) { total, c in
            let q = c.resources?.limits?[Pod.gpuResourceName] ?? c.resources?.requests?[Pod.gpuResourceName]
            return total + (q?.int64Value ?? 0)
        }
    }
}
