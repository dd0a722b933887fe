/// authorization.k8s.io/v1 SelfSubjectAccessReview: "may I do this?", asked before offering an
/// operation (scale, undo) so the console can grey out what RBAC forbids.
/// Created with POST and never stored, so it carries its own `apiVersion` and `kind` for the body.
public struct SelfSubjectAccessReview: KubeResource, Hashable {
    public static let resourceType = ResourceType(
        group: "authorization.k8s.io", version: "v1", resource: "selfsubjectaccessreviews",
        kind: "SelfSubjectAccessReview", namespaced: false)

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: Spec
    /// Set in the server's response.
    public var status: Status?

    /// A request for a resource verb, e.g. `patch deployments/scale` in `fixtures`.
    public init(resourceAttributes: ResourceAttributes) {
        self.apiVersion = Self.resourceType.apiVersion
        self.kind = Self.resourceType.kind
        self.metadata = ObjectMeta()
        self.spec = Spec(resourceAttributes: resourceAttributes)
    }

    /// The answer: allowed only when the response says so.
    public var isAllowed: Bool { status?.allowed ?? false }

    public struct Spec: Codable, Sendable, Hashable {
        public var resourceAttributes: ResourceAttributes?
        public var nonResourceAttributes: NonResourceAttributes?

        public init(resourceAttributes: ResourceAttributes? = nil,
                    nonResourceAttributes: NonResourceAttributes? = nil) {
            self.resourceAttributes = resourceAttributes
            self.nonResourceAttributes = nonResourceAttributes
        }
    }

    public struct ResourceAttributes: Codable, Sendable, Hashable {
        public var namespace: String?
        public var verb: String?
        public var group: String?
        public var version: String?
        public var resource: String?
        public var subresource: String?
        public var name: String?

        public init(namespace: String? = nil, verb: String, group: String? = nil, version: String? = nil,
                    resource: String, subresource: String? = nil, name: String? = nil) {
            self.namespace = namespace
            self.verb = verb
            self.group = group
            self.version = version
            self.resource = resource
            self.subresource = subresource
            self.name = name
        }
    }

    public struct NonResourceAttributes: Codable, Sendable, Hashable {
        public var path: String?
        public var verb: String?
    }

    public struct Status: Codable, Sendable, Hashable {
        public var allowed: Bool
        /// True when an authorizer denied outright; false with allowed false means "no opinion".
        public var denied: Bool?
        public var reason: String?
        public var evaluationError: String?
    }
}
