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
    /// The workload object's own labels (for `/-l` filters).
    public var labels: [String: String]

    public var key: String { "\(namespace)/\(name)" }
    /// The name its canary goes by: KServe's Deployments carry their InferenceService's name in a
    /// label (`NAME-predictor`), everything else its own.
    public var canaryName: String { labels["serving.kserve.io/inferenceservice"] ?? name }
    public var totalGPUs: Int64 { gpusPerPod * Int64(desiredReplicas) }

    public init(_ d: Deployment) {
        self.init(kind: .deployment, metadata: d.metadata, template: d.spec?.template, selector: d.spec?.selector,
                  ready: d.status?.readyReplicas ?? 0, desired: d.desiredReplicas,
                  revision: d.revision.map(String.init) ?? "-", rolloutComplete: d.isRolloutComplete)
    }

    public init(_ s: StatefulSet) {
        // The controller revision's hash suffix is what `rollout history` shows for StatefulSets.
        let revision = s.status?.updateRevision.map { String($0.split(separator: "-").last ?? "-") } ?? "-"
        self.init(kind: .statefulSet, metadata: s.metadata, template: s.spec?.template, selector: s.spec?.selector,
                  ready: s.status?.readyReplicas ?? 0, desired: s.desiredReplicas, revision: revision,
                  rolloutComplete: s.isRolloutComplete)
    }

    private init(kind: Kind, metadata: ObjectMeta, template: PodTemplateSpec?, selector: LabelSelector?,
                 ready: Int, desired: Int, revision: String, rolloutComplete: Bool) {
        self.kind = kind
        namespace = metadata.namespace ?? ""
        name = metadata.name ?? ""
        identity = ServingEngineDetection.identify(template)
        readyReplicas = ready
        desiredReplicas = desired
        gpusPerPod = InferenceWorkload.gpus(template)
        self.revision = revision
        creationTimestamp = metadata.creationTimestamp
        self.selector = selector
        self.rolloutComplete = rolloutComplete
        labels = metadata.labels ?? [:]
    }

    /// GPUs one pod of the template asks for: limits, else requests, summed over containers.
    static func gpus(_ template: PodTemplateSpec?) -> Int64 {
        (template?.spec?.containers ?? []).reduce(0) { total, c in
            let q = c.resources?.limits?[Pod.gpuResourceName] ?? c.resources?.requests?[Pod.gpuResourceName]
            return total + (q?.int64Value ?? 0)
        }
    }
}
