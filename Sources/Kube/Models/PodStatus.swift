/// core/v1 PodStatus.
public struct PodStatus: Codable, Sendable, Hashable {
    /// "Pending", "Running", "Succeeded", "Failed" or "Unknown".
    public var phase: String?
    public var conditions: [Condition]?
    public var podIP: String?
    public var podIPs: [PodIP]?
    public var hostIP: String?
    public var startTime: String?
    public var containerStatuses: [ContainerStatus]?
    public var initContainerStatuses: [ContainerStatus]?
    /// A pod-level reason, such as "Evicted" or "NodeLost".
    public var reason: String?
    public var message: String?
    /// "Guaranteed", "Burstable" or "BestEffort".
    public var qosClass: String?
    public var nominatedNodeName: String?

    public init(phase: String? = nil) { self.phase = phase }

    public struct PodIP: Codable, Sendable, Hashable {
        public var ip: String?
    }
}
