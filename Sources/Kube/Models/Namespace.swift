/// core/v1 Namespace.
public struct Namespace: KubeResource, Hashable {
    public static let resourceType = ResourceType(
        group: "", version: "v1", resource: "namespaces", kind: "Namespace", namespaced: false)

    public var metadata: ObjectMeta
    public var spec: Spec?
    public var status: Status?

    public struct Spec: Codable, Sendable, Hashable {
        public var finalizers: [String]?
    }

    public struct Status: Codable, Sendable, Hashable {
        /// "Active" or "Terminating".
        public var phase: String?
        public var conditions: [Condition]?
    }
}
