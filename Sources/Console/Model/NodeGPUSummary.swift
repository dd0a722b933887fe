import Kube

/// One node as the nodes view shows it: GPU capacity from the device plugin, allocation from
/// the GPU requests of the pods bound there and not finished, and the product from GPU Feature
/// Discovery's labels. Per-GPU memory and utilisation need metrics (DCGM/vLLM) and are left to
/// telemetry: nil until it fills them.
public struct NodeGPUSummary: Sendable, Equatable {
    public var name: String
    public var ready: Bool
    public var unschedulable: Bool
    public var product: String?
    public var gpuCapacity: Int64
    public var gpuAllocatable: Int64
    public var gpuRequested: Int64
    /// Memory of one device in MiB, from the `nvidia.com/gpu.memory` label.
    public var memoryPerGPUMiB: Int64?
    public var podCount: Int
    public var creationTimestamp: String?
    public var labels: [String: String]

    public init(node: Node, pods: [Pod]) {
        let nodeName = node.metadata.name ?? ""
        name = nodeName
        ready = node.isReady
        unschedulable = node.isUnschedulable
        product = node.gpuProduct
        gpuCapacity = node.gpuCapacity
        gpuAllocatable = node.gpuAllocatable
        memoryPerGPUMiB = node.gpuMemoryMiB
        creationTimestamp = node.metadata.creationTimestamp
        labels = node.metadata.labels ?? [:]
        // Finished pods hold no devices; the scheduler does not count them either.
        let running = pods.filter { $0.spec?.nodeName == nodeName && !["Succeeded", "Failed"].contains($0.status?.phase ?? "") }
        podCount = running.count
        gpuRequested = running.reduce(0) { $0 + $1.gpuRequest }
    }

    /// kubectl's STATUS: Ready / NotReady, with ",SchedulingDisabled" when cordoned.
    public var status: String { (ready ? "Ready" : "NotReady") + (unschedulable ? ",SchedulingDisabled" : "") }

    public static func summaries(_ state: ClusterState) -> [NodeGPUSummary] {
        let pods = state.pods?.items ?? []
        return (state.nodes?.items ?? []).map { NodeGPUSummary(node: $0, pods: pods) }
    }
}
