/// discovery.k8s.io/v1 EndpointSlice: which pod addresses back a Service, and whether each is ready.
public struct EndpointSlice: KubeResource, Hashable {
    public static let resourceType = ResourceType(
        group: "discovery.k8s.io", version: "v1", resource: "endpointslices", kind: "EndpointSlice",
        namespaced: true)

    public var metadata: ObjectMeta
    /// "IPv4", "IPv6" or "FQDN".
    public var addressType: String?
    public var endpoints: [Endpoint]?
    public var ports: [Port]?

    /// The Service this slice belongs to (label `kubernetes.io/service-name`).
    public var serviceName: String? { metadata.labels?["kubernetes.io/service-name"] }

    public struct Endpoint: Codable, Sendable, Hashable {
        public var addresses: [String]?
        public var conditions: Conditions?
        public var hostname: String?
        public var nodeName: String?
        public var zone: String?
        /// Normally the Pod behind the address.
        public var targetRef: ObjectReference?
    }

    /// A nil condition means "unknown"; consumers treat unknown `ready` as ready, as kube-proxy does.
    public struct Conditions: Codable, Sendable, Hashable {
        public var ready: Bool?
        public var serving: Bool?
        public var terminating: Bool?
    }

    public struct Port: Codable, Sendable, Hashable {
        public var name: String?
        public var port: Int?
        public var `protocol`: String?
        public var appProtocol: String?
    }
}

/// core/v1 ObjectReference: a pointer to another object (event subjects, endpoint targets).
public struct ObjectReference: Codable, Sendable, Hashable {
    public var kind: String?
    public var namespace: String?
    public var name: String?
    public var uid: String?
    public var apiVersion: String?
    public var resourceVersion: String?
    /// Part of the object, e.g. "spec.containers{vllm}".
    public var fieldPath: String?

    public init(kind: String? = nil, namespace: String? = nil, name: String? = nil) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
    }

    /// "namespace/name" or "name": the same key `ObjectMeta.key` gives the referenced object.
    public var key: String {
        if let namespace, !namespace.isEmpty { return "\(namespace)/\(name ?? "")" }
        return name ?? ""
    }
}
