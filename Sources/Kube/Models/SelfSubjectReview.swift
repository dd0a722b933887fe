/// authentication.k8s.io/v1 SelfSubjectReview: "who am I?" (`kubectl auth whoami`), shown in the
/// console's header. Created with POST and an empty body apart from `apiVersion` and `kind`.
public struct SelfSubjectReview: KubeResource, Hashable {
    public static let resourceType = ResourceType(
        group: "authentication.k8s.io", version: "v1", resource: "selfsubjectreviews",
        kind: "SelfSubjectReview", namespaced: false)

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    /// Set in the server's response.
    public var status: Status?

    /// The request body.
    public init() {
        self.apiVersion = Self.resourceType.apiVersion
        self.kind = Self.resourceType.kind
        self.metadata = ObjectMeta()
    }

    public struct Status: Codable, Sendable, Hashable {
        public var userInfo: UserInfo?
    }

    public struct UserInfo: Codable, Sendable, Hashable {
        public var username: String?
        public var uid: String?
        public var groups: [String]?
        public var extra: [String: [String]]?
    }
}
