/// apps/v1 ReplicaSet, a read view: the console reads them for rollout history (one per revision).
public struct ReplicaSet: KubeResource, Hashable {
    public static let resourceType = ResourceType(
        group: "apps", version: "v1", resource: "replicasets", kind: "ReplicaSet", namespaced: true)

    public var metadata: ObjectMeta
    public var spec: ReplicaSetSpec?
    public var status: ReplicaSetStatus?

    /// The Deployment revision this ReplicaSet holds (`deployment.kubernetes.io/revision`).
    public var revision: Int64? {
        metadata.annotations?[Deployment.revisionAnnotation].flatMap { Int64($0) }
    }

    /// The `pod-template-hash` label the Deployment controller gives it and its pods.
    public var podTemplateHash: String? { metadata.labels?["pod-template-hash"] }

    /// The owning Deployment, if any.
    public var controllerRef: OwnerReference? { metadata.controllerRef }
}

public struct ReplicaSetSpec: Codable, Sendable, Hashable {
    public var replicas: Int?
    public var minReadySeconds: Int?
    public var selector: LabelSelector?
    public var template: PodTemplateSpec?
}

public struct ReplicaSetStatus: Codable, Sendable, Hashable {
    public var replicas: Int?
    public var fullyLabeledReplicas: Int?
    public var readyReplicas: Int?
    public var availableReplicas: Int?
    public var terminatingReplicas: Int?
    public var observedGeneration: Int64?
    public var conditions: [Condition]?
}
