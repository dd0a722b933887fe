import Foundation
import YAML

/// One request arriving at a pod through the API server's pod or service proxy.
public struct ProxiedRequest: Sendable {
    public var method: String
    /// The path inside the pod, starting with "/".
    public var path: String
    public var query: [(name: String, value: String)]
    public var headers: [(name: String, value: String)]
    public var body: Data
    /// Who is calling, for the access log ("apiserver-proxy").
    public var via: String

    public init(method: String, path: String, query: [(name: String, value: String)] = [],
                headers: [(name: String, value: String)] = [], body: Data = Data(), via: String = "apiserver-proxy") {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.via = via
    }

    /// `path?query`, as an access log or a URL shows it.
    public var target: String {
        query.isEmpty ? path : path + "?" + query.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }
}

/// What runs in a Running pod of the local cluster, as the kubelet stand-in drives it: the engine
/// server (`EnginePodServer` in LocalClusterServer) where the pod asks for a model kvdeck has, or
/// the `StandInPodServer` where it does not.
public protocol PodServer: Actor {
    nonisolated var uid: String { get }
    /// What `/health` answers, and so the pod's readiness. Asked directly, not through `serve`,
    /// so that probes do not fill the log.
    func isHealthy() async -> Bool
    func serve(_ request: ProxiedRequest) async -> ServerResponse
    /// A container's log (`pods/log`), and the same followed until the container stops.
    func readLog(container: String, query: PodLogRing.Query) -> Data
    func followLog(container: String, query: PodLogRing.Query) -> AsyncStream<Data>
    /// The pod is terminating or gone: stop serving, end log followers.
    func stop(reason: String) async
}

/// Makes the server for a pod that has just become Running.
public typealias PodServerFactory = @Sendable (_ pod: JSONValue, _ logCapacity: Int, _ now: @escaping @Sendable () -> Date) async -> any PodServer

/// The log rings of a pod's containers, with the follow bookkeeping every `PodServer` needs.
public struct PodContainerLogs: Sendable {
    private var rings: [String: PodLogRing] = [:]

    public init(containers: [String], capacity: Int) {
        for container in containers { rings[container] = PodLogRing(capacity: capacity) }
    }

    public mutating func append(_ text: String, container: String, at time: Date) {
        rings[container]?.append(text, at: time)
    }

    public func read(container: String, query: PodLogRing.Query) -> Data {
        rings[container]?.read(query) ?? Data()
    }

    /// The log so far, then each new line until `finishAll` or the reader goes away. The caller
    /// hooks `onTermination` to `unfollow` (it owns the actor the logs live in).
    public mutating func follow(container: String, query: PodLogRing.Query, stopped: Bool,
                                onTermination: @escaping @Sendable (UUID) -> Void) -> AsyncStream<Data> {
        let (stream, continuation) = AsyncStream<Data>.makeStream()
        let first = read(container: container, query: query)
        if !first.isEmpty { continuation.yield(first) }
        let id = UUID()
        if stopped || !(rings[container]?.follow(id, continuation, query: query, alreadySent: first.count) ?? false) {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { _ in onTermination(id) }
        return stream
    }

    public mutating func unfollow(container: String, _ id: UUID) { rings[container]?.unfollow(id) }

    public mutating func finishAll() {
        for key in rings.keys { rings[key]?.finishFollowers() }
    }
}

extension PodServer {
    /// Pod servers are found by the pod's identity in logs and tests.
    public nonisolated var description: String { "pod server \(uid)" }
}
