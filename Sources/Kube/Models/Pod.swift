/// core/v1 Pod, a read view: the console lists pods, joins them to workloads and nodes, and
/// shows the kubectl STATUS column. Writes go through unstructured JSON, so unknown fields are
/// not carried here.
public struct Pod: KubeResource, Hashable {
    public static let resourceType = ResourceType(
        group: "", version: "v1", resource: "pods", kind: "Pod", namespaced: true)

    public var metadata: ObjectMeta
    public var spec: PodSpec?
    public var status: PodStatus?

    public init(metadata: ObjectMeta, spec: PodSpec? = nil, status: PodStatus? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    /// The READY column's numerator and denominator: `"\(readyContainers)/\(totalContainers)"`.
    public var readyContainers: Int { kubectlStatus.readyContainers }
    public var totalContainers: Int { kubectlStatus.totalContainers }
    /// "1/1", as kubectl's READY column.
    public var readyText: String { "\(readyContainers)/\(totalContainers)" }
    /// The RESTARTS column, counted as kubectl counts it.
    public var restarts: Int { kubectlStatus.restarts }
    /// The STATUS column: "Running", "Pending", "ContainerCreating", "CrashLoopBackOff", "Init:0/1", ...
    public var displayStatus: String { kubectlStatus.reason }

    /// The GPUs the pod holds: the sum over its app containers of the `nvidia.com/gpu` limit, or the
    /// request where there is no limit. Init containers are not added: they run before the app
    /// containers and the scheduler reserves the larger of the two, which for GPUs is the app's.
    public var gpuRequest: Int64 { resourceTotal(Pod.gpuResourceName) }

    /// The extended-resource name of NVIDIA's device plugin.
    public static let gpuResourceName = "nvidia.com/gpu"

    /// Sum over app containers of `resource` (limit, falling back to request), rounded up per
    /// container as the scheduler counts whole devices.
    public func resourceTotal(_ resource: String) -> Int64 {
        (spec?.containers ?? []).reduce(0) { $0 + ($1.resourceAmount(resource)?.int64Value ?? 0) }
    }

    /// The controller (normally a ReplicaSet or StatefulSet) that owns this pod.
    public var controllerRef: OwnerReference? { metadata.controllerRef }

    /// Whether the Ready condition is True.
    public var isReady: Bool { status?.conditions?.first(ofType: "Ready")?.isTrue ?? false }
}
