/// core/v1 PodTemplateSpec: what Deployments, ReplicaSets and StatefulSets stamp their pods from.
public struct PodTemplateSpec: Codable, Sendable, Hashable {
    public var metadata: ObjectMeta?
    public var spec: PodSpec?

    /// A pod's own metadata and spec read as a template (to recognise what a pod serves).
    public init(metadata: ObjectMeta?, spec: PodSpec?) {
        self.metadata = metadata
        self.spec = spec
    }
}

/// core/v1 PodSpec: a read view of the fields the console shows.
///
/// `containers` is optional because the server sends `"containers": null` in the empty Pod of a
/// watch BOOKMARK event. Fields not named here (securityContext, dnsConfig, ...) are not kept.
public struct PodSpec: Codable, Sendable, Hashable {
    public var containers: [Container]?
    public var initContainers: [Container]?
    public var nodeName: String?
    public var nodeSelector: [String: String]?
    public var tolerations: [Toleration]?
    public var affinity: Affinity?
    public var volumes: [Volume]?
    public var serviceAccountName: String?
    public var priorityClassName: String?
    public var priority: Int?
    public var terminationGracePeriodSeconds: Int64?
    public var runtimeClassName: String?
    public var restartPolicy: String?
    public var schedulerName: String?
    public var hostNetwork: Bool?

    public init(containers: [Container]? = nil) {
        self.containers = containers
    }
}

/// A taint toleration.
public struct Toleration: Codable, Sendable, Hashable {
    public var key: String?
    /// "Exists" or "Equal" (the default).
    public var `operator`: String?
    public var value: String?
    public var effect: String?
    public var tolerationSeconds: Int64?
}

/// A volume, minimal: its name and, for the kinds a model server mounts, what backs it.
/// Other volume sources decode but are not kept.
public struct Volume: Codable, Sendable, Hashable {
    public var name: String
    public var persistentVolumeClaim: PersistentVolumeClaimSource?
    public var configMap: NamedSource?
    public var secret: SecretSource?
    public var hostPath: HostPathSource?
    public var emptyDir: EmptyDirSource?

    public struct PersistentVolumeClaimSource: Codable, Sendable, Hashable {
        public var claimName: String?
        public var readOnly: Bool?
    }

    public struct NamedSource: Codable, Sendable, Hashable {
        public var name: String?
    }

    public struct SecretSource: Codable, Sendable, Hashable {
        public var secretName: String?
    }

    public struct HostPathSource: Codable, Sendable, Hashable {
        public var path: String?
        public var type: String?
    }

    /// `medium: Memory` with a `sizeLimit` is the usual /dev/shm for tensor-parallel vLLM.
    public struct EmptyDirSource: Codable, Sendable, Hashable {
        public var medium: String?
        public var sizeLimit: Quantity?
    }
}

/// Scheduling affinity, typed for node affinity (how GPU pods pick GPU models); pod affinity and
/// anti-affinity are only recorded as present, since the console shows no more than that.
public struct Affinity: Codable, Sendable, Hashable {
    public var nodeAffinity: NodeAffinity?
    public var podAffinity: Presence?
    public var podAntiAffinity: Presence?

    /// Decodes from any JSON object and keeps nothing: "this is set".
    public struct Presence: Codable, Sendable, Hashable {
        public init() {}
        public init(from decoder: Decoder) throws {}
        public func encode(to encoder: Encoder) throws {
            _ = encoder.container(keyedBy: NoKeys.self)
        }
        private enum NoKeys: CodingKey {}
    }
}

public struct NodeAffinity: Codable, Sendable, Hashable {
    public var requiredDuringSchedulingIgnoredDuringExecution: NodeSelector?
    public var preferredDuringSchedulingIgnoredDuringExecution: [PreferredSchedulingTerm]?
}

/// Terms are ORed; the requirements inside a term are ANDed.
public struct NodeSelector: Codable, Sendable, Hashable {
    public var nodeSelectorTerms: [NodeSelectorTerm]?
}

public struct NodeSelectorTerm: Codable, Sendable, Hashable {
    public var matchExpressions: [NodeSelectorRequirement]?
    public var matchFields: [NodeSelectorRequirement]?
}

public struct NodeSelectorRequirement: Codable, Sendable, Hashable {
    public var key: String
    /// "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt".
    public var `operator`: String
    public var values: [String]?
}

public struct PreferredSchedulingTerm: Codable, Sendable, Hashable {
    public var weight: Int?
    public var preference: NodeSelectorTerm?
}
