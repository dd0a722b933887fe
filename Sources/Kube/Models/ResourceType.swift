/// Where a kind lives in the API: enough to build its URLs and to name it in messages.
public struct ResourceType: Hashable, Sendable, CustomStringConvertible {
    /// "" for the core group.
    public var group: String
    public var version: String
    /// The plural, lower-case resource name used in paths ("deployments").
    public var resource: String
    public var kind: String
    public var namespaced: Bool

    public init(group: String, version: String, resource: String, kind: String, namespaced: Bool) {
        self.group = group
        self.version = version
        self.resource = resource
        self.kind = kind
        self.namespaced = namespaced
    }

    /// "apps/v1" or "v1".
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// "deployments.apps" or "pods", as kubectl names resources in messages.
    public var description: String { group.isEmpty ? resource : "\(resource).\(group)" }

    /// "httproute.gateway.networking.k8s.io/NAME" or "pod/NAME": how kubectl names one object in
    /// its output (the kind in lower case, not the plural).
    public func objectName(_ name: String) -> String {
        let kind = kind.lowercased()
        return group.isEmpty ? "\(kind)/\(name)" : "\(kind).\(group)/\(name)"
    }
}

/// Anything an informer can cache: a decodable object with metadata. Typed models are also
/// `KubeResource`s (their kind is known at compile time); `UnstructuredObject` is not (its kind is
/// chosen at run time from discovery).
public protocol KubeObject: Decodable, Sendable {
    var metadata: ObjectMeta { get }
}

/// A typed Kubernetes object the client can get, list and watch.
/// Typed models are read views: writes go through unstructured objects or patches, so fields a
/// model does not know are never dropped.
public protocol KubeResource: KubeObject, Codable {
    static var resourceType: ResourceType { get }
}
