/// apps/v1 StatefulSet, a read view.
public struct StatefulSet: KubeResource, Hashable {
    public static let resourceType = ResourceType(
        group: "apps", version: "v1", resource: "statefulsets", kind: "StatefulSet", namespaced: true)

    public var metadata: ObjectMeta
    public var spec: StatefulSetSpec?
    public var status: StatefulSetStatus?

    /// Desired replicas; the API defaults a missing value to 1.
    public var desiredReplicas: Int { spec?.replicas ?? 1 }

    /// kubectl's READY column ("2/2").
    public var readyText: String { "\(status?.readyReplicas ?? 0)/\(desiredReplicas)" }

    /// Whether `kubectl rollout status statefulset/NAME` would report the rollout complete: the spec
    /// is observed and every replica ready; then, with a rollingUpdate block, the replicas above the
    /// partition are updated; otherwise the current revision has caught up with the update revision.
    /// OnDelete StatefulSets have no rollout (kubectl refuses); for them this is "all ready".
    public var isRolloutComplete: Bool {
        guard let status, let observed = status.observedGeneration, observed != 0,
              (metadata.generation ?? 0) <= observed else { return false }
        if let desired = spec?.replicas, (status.readyReplicas ?? 0) < desired { return false }
        if let strategy = spec?.updateStrategy, strategy.type == "OnDelete" { return true }
        if let rollingUpdate = spec?.updateStrategy?.rollingUpdate {
            if let desired = spec?.replicas, let partition = rollingUpdate.partition {
                return (status.updatedReplicas ?? 0) >= desired - partition
            }
            return true
        }
        return status.updateRevision == status.currentRevision
    }
}

public struct StatefulSetSpec: Codable, Sendable, Hashable {
    public var replicas: Int?
    public var selector: LabelSelector?
    public var template: PodTemplateSpec?
    public var serviceName: String?
    /// "OrderedReady" (the default) or "Parallel".
    public var podManagementPolicy: String?
    public var updateStrategy: StatefulSetUpdateStrategy?
    public var revisionHistoryLimit: Int?
    public var minReadySeconds: Int?
}

public struct StatefulSetUpdateStrategy: Codable, Sendable, Hashable {
    /// "RollingUpdate" (the default) or "OnDelete".
    public var type: String?
    public var rollingUpdate: RollingUpdate?

    public struct RollingUpdate: Codable, Sendable, Hashable {
        public var partition: Int?
        public var maxUnavailable: IntOrString?
    }
}

public struct StatefulSetStatus: Codable, Sendable, Hashable {
    public var observedGeneration: Int64?
    public var replicas: Int?
    public var readyReplicas: Int?
    public var currentReplicas: Int?
    public var updatedReplicas: Int?
    public var availableReplicas: Int?
    /// The ControllerRevision name the current pods run.
    public var currentRevision: String?
    /// The ControllerRevision name being rolled out.
    public var updateRevision: String?
    public var collisionCount: Int?
    public var conditions: [Condition]?
}
