import Foundation

extension KubeClient {
    /// A single log line longer than this is handed out in pieces rather than buffered further.
    public static let maxLogLineLength = 1 << 20

    /// The pod's log as lines. Lines split across chunks are joined; a final line without a
    /// newline is emitted when the stream ends. With `follow`, the stream stays open until the
    /// container stops or the consumer cancels.
    public func logs(pod: String, namespace: String? = nil,
                     options: LogOptions = LogOptions()) -> AsyncThrowingStream<String, Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    var request = try self.objectRequest(Self.podType, name: pod, namespace: namespace, subresource: "log")
                    request.query = try options.validated()
                    // Logs are text; the server ignores Accept here, but say what we expect.
                    request.accept = "*/*"
                    let response = try await self.openStream(request)
                    var splitter = LineSplitter(maxLineLength: Self.maxLogLineLength, overflow: .split,
                                                context: "logs of pod \(pod)")
                    for try await chunk in response.body {
                        for line in try splitter.append(chunk) { continuation.yield(String(decoding: line, as: UTF8.self)) }
                    }
                    if let rest = splitter.finish() { continuation.yield(String(decoding: rest, as: UTF8.self)) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Pods and services are core kinds the client itself addresses (logs, proxy), so it names
    /// them here rather than depending on the typed models.
    static let podType = ResourceType(group: "", version: "v1", resource: "pods", kind: "Pod", namespaced: true)
    static let serviceType = ResourceType(group: "", version: "v1", resource: "services", kind: "Service", namespaced: true)
}
