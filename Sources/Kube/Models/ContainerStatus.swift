/// core/v1 ContainerStatus: what the kubelet reports for one container of a pod.
public struct ContainerStatus: Codable, Sendable, Hashable {
    public var name: String
    public var ready: Bool?
    public var restartCount: Int?
    public var state: ContainerState?
    /// The previous termination, kept across restarts: "why did it restart" (OOMKilled, Error).
    public var lastState: ContainerState?
    public var image: String?
    public var imageID: String?
    public var containerID: String?
    /// Whether the startup probe (if any) has passed; nil on old kubelets.
    public var started: Bool?

    public init(name: String, ready: Bool? = nil, restartCount: Int? = nil, state: ContainerState? = nil) {
        self.name = name
        self.ready = ready
        self.restartCount = restartCount
        self.state = state
    }
}

/// Exactly one of the three is set by a kubelet; an empty object (`"lastState": {}`) means none.
public struct ContainerState: Codable, Sendable, Hashable {
    public var waiting: Waiting?
    public var running: Running?
    public var terminated: Terminated?

    public init(waiting: Waiting? = nil, running: Running? = nil, terminated: Terminated? = nil) {
        self.waiting = waiting
        self.running = running
        self.terminated = terminated
    }

    public struct Waiting: Codable, Sendable, Hashable {
        /// "ContainerCreating", "CrashLoopBackOff", "ImagePullBackOff", "PodInitializing", ...
        public var reason: String?
        public var message: String?
        public init(reason: String? = nil, message: String? = nil) {
            self.reason = reason
            self.message = message
        }
    }

    public struct Running: Codable, Sendable, Hashable {
        public var startedAt: String?
        public init(startedAt: String? = nil) { self.startedAt = startedAt }
    }

    public struct Terminated: Codable, Sendable, Hashable {
        public var exitCode: Int
        public var signal: Int?
        /// "Completed", "Error", "OOMKilled", ...
        public var reason: String?
        public var message: String?
        public var startedAt: String?
        public var finishedAt: String?
        public init(exitCode: Int, signal: Int? = nil, reason: String? = nil) {
            self.exitCode = exitCode
            self.signal = signal
            self.reason = reason
        }
    }
}
