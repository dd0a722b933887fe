/// A status condition as the built-in kinds report them (Pod, Deployment, ReplicaSet, StatefulSet,
/// Node, HorizontalPodAutoscaler, Namespace; also metav1.Condition).
///
/// The kinds differ only in which timestamps they carry, so one read view serves them all.
/// Timestamps stay RFC 3339 strings as the server sent them; `KubeTime.date(from:)` parses them.
public struct Condition: Codable, Sendable, Hashable {
    /// "Ready", "Available", "Progressing", "PodScheduled", "MemoryPressure", ...
    public var type: String
    /// "True", "False" or "Unknown".
    public var status: String
    public var reason: String?
    public var message: String?
    public var lastTransitionTime: String?
    /// Deployment and ReplicaSet conditions.
    public var lastUpdateTime: String?
    /// Pod conditions (normally null).
    public var lastProbeTime: String?
    /// Node conditions.
    public var lastHeartbeatTime: String?
    /// metav1.Condition and, from 1.33, pod conditions.
    public var observedGeneration: Int64?

    public init(type: String, status: String, reason: String? = nil, message: String? = nil) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
    }

    public var isTrue: Bool { status == "True" }
}

extension Array where Element == Condition {
    /// The condition of `type`, if the object reports it.
    public func first(ofType type: String) -> Condition? { first { $0.type == type } }
}
