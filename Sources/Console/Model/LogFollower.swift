import Foundation
import Kube

/// Follows the logs of one or more pods into one time-merged, bounded buffer. Each container
/// stream runs in its own task; lines reach the buffer on the main actor, so the view reads it
/// without locks. The view never waits: it shows what has come so far and each stream's state.
@MainActor
public final class LogFollower {
    public struct Stream: Sendable, Equatable {
        public var namespace: String
        public var pod: String
        public var container: String
        public init(namespace: String, pod: String, container: String) {
            self.namespace = namespace
            self.pod = pod
            self.container = container
        }
        var id: String { "\(namespace)/\(pod)/\(container)" }
    }

    public enum StreamState: Sendable, Equatable {
        case connecting, streaming, ended
        case failed(String)
    }

    public private(set) var buffer: LogBuffer
    public private(set) var states: [String: StreamState] = [:]
    /// Set when lines or states changed since the view last drew.
    public var changed = true
    public private(set) var streams: [Stream]
    public let previous: Bool
    private let source: any PodLogSource
    private let tailLines: Int
    private var tasks: [Task<Void, Never>] = []

    public init(source: any PodLogSource, streams: [Stream], previous: Bool, tailLines: Int = 200, capacity: Int = 10_000) {
        self.source = source
        self.streams = streams
        self.previous = previous
        self.tailLines = tailLines
        buffer = LogBuffer(capacity: capacity)
    }

    public func start() {
        guard tasks.isEmpty else { return }
        open(streams)
    }

    /// Follows streams not followed yet (a workload's new pods during a rollout or a scale-up).
    public func follow(_ more: [Stream]) {
        let known = Set(streams.map(\.id))
        let added = more.filter { !known.contains($0.id) }
        guard !added.isEmpty else { return }
        streams += added
        open(added)
        changed = true
    }

    private func open(_ streams: [Stream]) {
        for stream in streams {
            states[stream.id] = .connecting
            // A previous container's log is finished: read it once, do not follow.
            let options = LogOptions(container: stream.container, follow: !previous, previous: previous,
                                     timestamps: true, tailLines: tailLines)
            let lines = source.lines(pod: stream.pod, namespace: stream.namespace, options: options)
            tasks.append(Task { @MainActor [weak self] in
                do {
                    for try await raw in lines {
                        guard let self else { return }
                        if self.states[stream.id] != .streaming { self.states[stream.id] = .streaming }
                        self.buffer.append(LogLine.parse(raw, pod: stream.pod, container: stream.container))
                        self.changed = true
                    }
                    self?.finish(stream, .ended)
                } catch is CancellationError {
                    return
                } catch {
                    self?.finish(stream, .failed(KubeErrorText.describe(error)))
                }
            })
        }
    }

    private func finish(_ stream: Stream, _ state: StreamState) {
        states[stream.id] = state
        changed = true
    }

    public func stop() {
        tasks.forEach { $0.cancel() }
        tasks = []
    }

    public func state(of stream: Stream) -> StreamState { states[stream.id] ?? .connecting }

    /// The container a log view follows by default: the `kubectl.kubernetes.io/default-container`
    /// annotation, else the first container (what kubectl logs picks).
    public static func defaultContainer(of pod: Pod) -> String? {
        if let named = pod.metadata.annotations?["kubectl.kubernetes.io/default-container"], !named.isEmpty { return named }
        return pod.spec?.containers?.first?.name
    }
}

/// One line for an error from the cluster, safe to show (no secrets: the client's errors hold none).
enum KubeErrorText {
    static func describe(_ error: Error) -> String {
        if let e = error as? KubeAPIError { return e.description }
        return String(describing: error)
    }
}
