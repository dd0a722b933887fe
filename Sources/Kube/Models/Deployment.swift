/// apps/v1 Deployment, a read view. Writes (scale, image, undo) go through patches elsewhere.
public struct Deployment: KubeResource, Hashable {
    public static let resourceType = ResourceType(
        group: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespaced: true)

    public var metadata: ObjectMeta
    public var spec: DeploymentSpec?
    public var status: DeploymentStatus?

    public init(metadata: ObjectMeta, spec: DeploymentSpec? = nil, status: DeploymentStatus? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    /// Desired replicas; the API defaults a missing value to 1.
    public var desiredReplicas: Int { spec?.replicas ?? 1 }

    /// kubectl's READY column: ready replicas over desired ("2/3").
    public var readyText: String { "\(status?.readyReplicas ?? 0)/\(desiredReplicas)" }

    /// The rollout's progress as `kubectl rollout status` judges it.
    public var rolloutState: RolloutState {
        // Missing numbers count as 0, as in Go: an unobserved spec is generation 1 > observed 0.
        guard (metadata.generation ?? 0) <= (status?.observedGeneration ?? 0) else { return .waitingForObservation }
        let status = status ?? DeploymentStatus()
        if status.conditions?.first(ofType: "Progressing")?.reason == "ProgressDeadlineExceeded" {
            return .progressDeadlineExceeded
        }
        let updated = status.updatedReplicas ?? 0
        if let desired = spec?.replicas, updated < desired { return .updatingReplicas(updated: updated, desired: desired) }
        let total = status.replicas ?? 0
        if total > updated { return .terminatingOldReplicas(pending: total - updated) }
        let available = status.availableReplicas ?? 0
        if available < updated { return .waitingForAvailable(available: available, updated: updated) }
        return .complete
    }

    /// Whether `kubectl rollout status` would report "successfully rolled out".
    public var isRolloutComplete: Bool { rolloutState == .complete }

    /// The revision the controller stamped on this Deployment (and on its newest ReplicaSet).
    public var revision: Int64? {
        metadata.annotations?[Deployment.revisionAnnotation].flatMap { Int64($0) }
    }

    /// Annotation holding a Deployment's or ReplicaSet's rollout revision.
    public static let revisionAnnotation = "deployment.kubernetes.io/revision"
}

/// The states `kubectl rollout status deployment/NAME` distinguishes, in the order it checks them.
public enum RolloutState: Sendable, Hashable {
    /// The controller has not yet seen the latest spec (generation > observedGeneration).
    case waitingForObservation
    /// Progressing has reason ProgressDeadlineExceeded: kubectl exits with an error.
    case progressDeadlineExceeded
    /// "Waiting for deployment rollout to finish: N out of M new replicas have been updated..."
    case updatingReplicas(updated: Int, desired: Int)
    /// "... N old replicas are pending termination..."
    case terminatingOldReplicas(pending: Int)
    /// "... N of M updated replicas are available..."
    case waitingForAvailable(available: Int, updated: Int)
    case complete
}

public struct DeploymentSpec: Codable, Sendable, Hashable {
    public var replicas: Int?
    public var selector: LabelSelector?
    public var template: PodTemplateSpec?
    public var strategy: DeploymentStrategy?
    public var minReadySeconds: Int?
    public var revisionHistoryLimit: Int?
    public var paused: Bool?
    public var progressDeadlineSeconds: Int?

    public init(replicas: Int? = nil, selector: LabelSelector? = nil, template: PodTemplateSpec? = nil) {
        self.replicas = replicas
        self.selector = selector
        self.template = template
    }
}

public struct DeploymentStrategy: Codable, Sendable, Hashable {
    /// "RollingUpdate" (the default) or "Recreate".
    public var type: String?
    public var rollingUpdate: RollingUpdate?

    public struct RollingUpdate: Codable, Sendable, Hashable {
        /// A count or a percentage ("25%").
        public var maxSurge: IntOrString?
        public var maxUnavailable: IntOrString?
    }
}

public struct DeploymentStatus: Codable, Sendable, Hashable {
    public var observedGeneration: Int64?
    public var replicas: Int?
    public var updatedReplicas: Int?
    public var readyReplicas: Int?
    public var availableReplicas: Int?
    public var unavailableReplicas: Int?
    /// Pods being deleted (1.33+, behind a feature gate).
    public var terminatingReplicas: Int?
    public var conditions: [Condition]?
    public var collisionCount: Int?

    public init() {}
}
