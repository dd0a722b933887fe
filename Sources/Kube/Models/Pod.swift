import Foundation

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

    /// The GPUs the pod holds on its node: its effective `nvidia.com/gpu` request (see
    /// `effectiveRequest`), where each container's amount is its limit or, without one, its request.
    public var gpuRequest: Int64 { Quantity.roundedUp(effectiveRequest(Pod.gpuResourceName)) }

    /// The extended-resource name of NVIDIA's device plugin.
    public static let gpuResourceName = "nvidia.com/gpu"

    /// What the scheduler reserves of `resource` for this pod, as Kubernetes' `PodRequests` computes
    /// it: the app containers plus sidecars (restartable init containers) run together, while each
    /// other init container runs alone beside the sidecars started before it, so the pod needs the
    /// larger of the two. Per container, the limit counts where there is one, else the request;
    /// the scheduler does the same for extended resources such as GPUs, whose limit is their request.
    public func effectiveRequest(_ resource: String) -> Decimal {
        var sidecars = Decimal(0)
        var initPeak = Decimal(0)
        for container in spec?.initContainers ?? [] {
            let amount = container.resourceAmount(resource)?.decimalValue ?? 0
            if container.restartPolicy == "Always" {
                sidecars += amount
                initPeak = max(initPeak, sidecars)
            } else {
                initPeak = max(initPeak, sidecars + amount)
            }
        }
        let running = (spec?.containers ?? []).reduce(sidecars) {
            $0 + ($1.resourceAmount(resource)?.decimalValue ?? 0)
        }
        return max(running, initPeak)
    }

    /// The controller (normally a ReplicaSet or StatefulSet) that owns this pod.
    public var controllerRef: OwnerReference? { metadata.controllerRef }

    /// Whether the Ready condition is True.
    public var isReady: Bool { status?.conditions?.first(ofType: "Ready")?.isTrue ?? false }
}
