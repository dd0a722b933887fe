/// core/v1 Container: the fields the console shows and the GPU accounting reads.
/// A read view; fields it does not name (volumeMounts, securityContext, ...) are not kept.
public struct Container: Codable, Sendable, Hashable {
    public var name: String
    public var image: String?
    public var command: [String]?
    public var args: [String]?
    public var workingDir: String?
    public var env: [EnvVar]?
    public var ports: [ContainerPort]?
    public var resources: ResourceRequirements?
    public var readinessProbe: Probe?
    public var livenessProbe: Probe?
    public var startupProbe: Probe?
    public var imagePullPolicy: String?
    /// "Always" on an init container makes it a sidecar (restartable init container, 1.28+).
    public var restartPolicy: String?

    public init(name: String, image: String? = nil) {
        self.name = name
        self.image = image
    }

    /// The limit for `resource`, falling back to its request: the scheduler treats a limit on an
    /// extended resource such as nvidia.com/gpu as its request.
    public func resourceAmount(_ resource: String) -> Quantity? {
        resources?.limits?[resource] ?? resources?.requests?[resource]
    }
}

/// An environment variable: a literal `value` or a reference in `valueFrom`.
public struct EnvVar: Codable, Sendable, Hashable {
    public var name: String
    public var value: String?
    public var valueFrom: EnvVarSource?

    public init(name: String, value: String? = nil) {
        self.name = name
        self.value = value
    }
}

/// Where an environment variable's value comes from; only the names are kept, never the values of
/// the Secrets they point to.
public struct EnvVarSource: Codable, Sendable, Hashable {
    public var fieldRef: FieldRef?
    public var resourceFieldRef: ResourceFieldRef?
    public var configMapKeyRef: KeyRef?
    public var secretKeyRef: KeyRef?

    public struct FieldRef: Codable, Sendable, Hashable {
        public var apiVersion: String?
        public var fieldPath: String?
    }

    public struct ResourceFieldRef: Codable, Sendable, Hashable {
        public var containerName: String?
        public var resource: String?
    }

    public struct KeyRef: Codable, Sendable, Hashable {
        public var name: String?
        public var key: String?
        public var optional: Bool?
    }
}

public struct ContainerPort: Codable, Sendable, Hashable {
    public var name: String?
    public var containerPort: Int
    public var `protocol`: String?
    public var hostPort: Int?
}

/// Requests and limits, keyed by resource name ("cpu", "memory", "nvidia.com/gpu").
public struct ResourceRequirements: Codable, Sendable, Hashable {
    public var requests: [String: Quantity]?
    public var limits: [String: Quantity]?

    public init(requests: [String: Quantity]? = nil, limits: [String: Quantity]? = nil) {
        self.requests = requests
        self.limits = limits
    }
}

/// A readiness, liveness or startup probe, with the handler kinds a vLLM pod uses.
public struct Probe: Codable, Sendable, Hashable {
    public var httpGet: HTTPGetAction?
    public var tcpSocket: TCPSocketAction?
    public var exec: ExecAction?
    public var initialDelaySeconds: Int?
    public var timeoutSeconds: Int?
    public var periodSeconds: Int?
    public var successThreshold: Int?
    public var failureThreshold: Int?

    public struct HTTPGetAction: Codable, Sendable, Hashable {
        public var path: String?
        public var port: IntOrString?
        public var scheme: String?
        public var host: String?
    }

    public struct TCPSocketAction: Codable, Sendable, Hashable {
        public var port: IntOrString?
    }

    public struct ExecAction: Codable, Sendable, Hashable {
        public var command: [String]?
    }
}
