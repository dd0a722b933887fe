/// autoscaling/v1 Scale: the `/scale` subresource of Deployments, ReplicaSets and StatefulSets.
/// Its resourceType names the Deployment's subresource path; for other kinds, the client builds
/// the path from their own resourceType.
public struct Scale: KubeResource, Hashable {
    public static let resourceType = ResourceType(
        group: "autoscaling", version: "v1", resource: "scale", kind: "Scale", namespaced: true)

    public var metadata: ObjectMeta
    public var spec: Spec?
    public var status: Status?

    public struct Spec: Codable, Sendable, Hashable {
        public var replicas: Int?
    }

    public struct Status: Codable, Sendable, Hashable {
        public var replicas: Int?
        /// The target's selector in query syntax ("app.kubernetes.io/instance=vllm-qwen,...").
        public var selector: String?
    }
}
