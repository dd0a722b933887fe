import Foundation
import Kube

/// A workload's own server, reached through the API server's proxy with `stream: true`. The
/// route (Service or pod, and the model name) is found on the first message and kept. KV blocks
/// are the server's secret here: the pane shows the tokens `usage` reports and says so.
public final class ClusterChatBackend: ChatBackend {
    public let label: String
    public let kvSource = ChatKVSource.usageOnly
    private let client: KubeClient
    private let workload: InferenceWorkload
    private let routes = RouteMemory()

    public init(client: KubeClient, workload: InferenceWorkload) {
        self.client = client
        self.workload = workload
        label = workload.key
    }

    public func send(_ messages: [ChatTurn], settings: ChatSettings) -> AsyncThrowingStream<ChatEvent, Error> {
        let (client, workload, routes) = (self.client, self.workload, self.routes)
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let route = try await routes.route(client: client, workload: workload)
                    continuation.yield(.status(route.description))
                    let body = try Self.body(messages, settings: settings,
                                             model: route.model ?? workload.identity?.servedName ?? workload.identity?.model)
                    let response = try await route.stream(client, body: body)
                    var parser = ChatStreamParser()
                    for try await chunk in response.body {
                        // The body's reader does not watch for cancellation; leaving the loop
                        // drops the stream, and that ends the transfer.
                        try Task.checkCancellation()
                        for event in try parser.feed(chunk) { continuation.yield(event) }
                        if parser.done { break }
                    }
                    try Task.checkCancellation()
                    for event in try parser.end() { continuation.yield(event) }
                    continuation.finish()
                } catch is CancellationError {
                    continuation.finish(throwing: CancellationError())
                } catch {
                    // A route that stopped working (pod gone) is looked up again next time.
                    await routes.forget()
                    continuation.finish(throwing: Self.explain(error, workload: workload))
                }
            }
            // Ctrl-C: cancelling the task drops the HTTP stream, which closes the connection.
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    static func body(_ messages: [ChatTurn], settings: ChatSettings, model: String?) throws -> Data {
        var object: [String: Any] = [
            "messages": messages.map { ["role": $0.role, "content": $0.content] },
            "stream": true,
            "stream_options": ["include_usage": true],
            "temperature": settings.temperature,
            "max_tokens": settings.maxTokens,
        ]
        if let model { object["model"] = model }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// Errors as a person reads them: the HTTP status and the server's own message.
    static func explain(_ error: Error, workload: InferenceWorkload) -> Error {
        switch error {
        case is CancellationError, is ChatBackendError: return error
        case let e as KubeAPIError: return ChatBackendError("HTTP \(e.code) from \(workload.key): \(e.message)")
        default: return ChatBackendError("cannot reach \(workload.key): \(error)")
        }
    }
}

/// The route found for a workload, found once and reused.
actor RouteMemory {
    private var route: ChatRoute?

    func route(client: KubeClient, workload: InferenceWorkload) async throws -> ChatRoute {
        if let route { return route }
        var found = try await ChatRoute.find(client: client, workload: workload)
        found.model = await found.servedModel(client)
        route = found
        return found
    }

    func forget() { route = nil }
}
