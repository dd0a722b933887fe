/// core/v1 Service, a read view: how a model server is reached.
public struct Service: KubeResource, Hashable {
    public static let resourceType = ResourceType(
        group: "", version: "v1", resource: "services", kind: "Service", namespaced: true)

    public var metadata: ObjectMeta
    public var spec: ServiceSpec?
    public var status: ServiceStatus?
}

public struct ServiceSpec: Codable, Sendable, Hashable {
    /// "ClusterIP" (the default), "NodePort", "LoadBalancer" or "ExternalName".
    public var type: String?
    /// "None" for a headless Service.
    public var clusterIP: String?
    public var clusterIPs: [String]?
    public var ports: [ServicePort]?
    /// Plain equality selector; a Service without one has manually managed endpoints.
    public var selector: [String: String]?
    public var sessionAffinity: String?
    public var externalName: String?
    public var externalIPs: [String]?
    public var loadBalancerIP: String?
}

public struct ServicePort: Codable, Sendable, Hashable {
    public var name: String?
    public var port: Int
    /// A number or a container port name ("http").
    public var targetPort: IntOrString?
    public var nodePort: Int?
    public var `protocol`: String?
    public var appProtocol: String?
}

public struct ServiceStatus: Codable, Sendable, Hashable {
    public var loadBalancer: LoadBalancerStatus?

    public struct LoadBalancerStatus: Codable, Sendable, Hashable {
        public var ingress: [Ingress]?
    }

    public struct Ingress: Codable, Sendable, Hashable {
        public var ip: String?
        public var hostname: String?
    }
}
