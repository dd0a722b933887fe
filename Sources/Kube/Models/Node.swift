/// core/v1 Node, a read view: GPU capacity, readiness and what runs it.
public struct Node: KubeResource, Hashable {
    public static let resourceType = ResourceType(
        group: "", version: "v1", resource: "nodes", kind: "Node", namespaced: false)

    public var metadata: ObjectMeta
    public var spec: NodeSpec?
    public var status: NodeStatus?

    /// `nvidia.com/gpu` in capacity: the devices the device plugin reports (0 when none).
    public var gpuCapacity: Int64 { status?.capacity?[Pod.gpuResourceName]?.int64Value ?? 0 }
    /// `nvidia.com/gpu` in allocatable: what pods may request.
    public var gpuAllocatable: Int64 { status?.allocatable?[Pod.gpuResourceName]?.int64Value ?? 0 }
    /// The GPU model from GPU Feature Discovery's label ("NVIDIA-H100-80GB-HBM3").
    public var gpuProduct: String? { metadata.labels?[Node.gpuProductLabel] }
    /// GPU memory per device in MiB, from GPU Feature Discovery's `nvidia.com/gpu.memory` label.
    public var gpuMemoryMiB: Int64? { metadata.labels?[Node.gpuMemoryLabel].flatMap { Int64($0) } }

    /// Whether the Ready condition is True (what kubectl's STATUS column shows as Ready).
    public var isReady: Bool { status?.conditions?.first(ofType: "Ready")?.isTrue ?? false }
    /// Cordoned: new pods are not scheduled here.
    public var isUnschedulable: Bool { spec?.unschedulable ?? false }

    /// The first InternalIP address.
    public var internalIP: String? { status?.addresses?.first { $0.type == "InternalIP" }?.address }

    public static let gpuProductLabel = "nvidia.com/gpu.product"
    public static let gpuMemoryLabel = "nvidia.com/gpu.memory"
    public static let gpuCountLabel = "nvidia.com/gpu.count"
}

public struct NodeSpec: Codable, Sendable, Hashable {
    public var unschedulable: Bool?
    public var taints: [Taint]?
    public var podCIDR: String?
    public var providerID: String?

    public struct Taint: Codable, Sendable, Hashable {
        public var key: String
        public var value: String?
        /// "NoSchedule", "PreferNoSchedule" or "NoExecute".
        public var effect: String
    }
}

public struct NodeStatus: Codable, Sendable, Hashable {
    public var capacity: [String: Quantity]?
    public var allocatable: [String: Quantity]?
    public var conditions: [Condition]?
    public var addresses: [NodeAddress]?
    public var nodeInfo: NodeSystemInfo?

    public struct NodeAddress: Codable, Sendable, Hashable {
        /// "InternalIP", "ExternalIP", "Hostname", ...
        public var type: String
        public var address: String
    }

    public struct NodeSystemInfo: Codable, Sendable, Hashable {
        public var kubeletVersion: String?
        public var containerRuntimeVersion: String?
        public var osImage: String?
        public var kernelVersion: String?
        public var operatingSystem: String?
        public var architecture: String?
    }
}
