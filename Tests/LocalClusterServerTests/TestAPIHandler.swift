import Foundation
import KvdeckTestSupport
import LocalCluster

/// A stand-in for the API semantics layer:
/// - `GET /version` answers the body recorded from a real kube-apiserver;
/// - `/echo/...` answers the request as the handler saw it, as JSON;
/// - `/watch/gated` streams "chunk-1\n", then each further chunk only after the test opens the
///   gate, so a chunk that reaches the client proves the one before was flushed;
/// - `/watch/endless` streams a chunk every 50 ms until the client goes away.
/// Terminations of the streams are recorded.
final class TestAPIHandler: APIRequestHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var _terminations: [String] = []
    private var gateContinuation: AsyncStream<Void>.Continuation?
    private var gate: AsyncStream<Void>?

    var terminations: [String] { lock.withLock { _terminations } }

    /// Lets the gated stream write its next chunk.
    func openGate() {
        let continuation = lock.withLock { gateContinuation }
        continuation?.yield()
    }

    func handle(_ request: ServerRequest) async -> ServerResponse {
        switch request.path {
        case "/version":
            let url = SharedFixtures.realAPIServer.appendingPathComponent("01-discovery/version.json")
            guard let body = try? Data(contentsOf: url) else {
                return ServerResponse(status: 500, body: .data(Data("fixture missing: \(url.path)".utf8)))
            }
            return ServerResponse(status: 200, headers: [("Content-Type", "application/json")], body: .data(body))
        case "/watch/gated":
            let (gate, gateContinuation) = AsyncStream<Void>.makeStream()
            lock.withLock { self.gate = gate; self.gateContinuation = gateContinuation }
            let chunks = AsyncStream<Data> { continuation in
                let task = Task {
                    var iterator = gate.makeAsyncIterator()
                    for index in 1...3 {
                        if index > 1 { guard await iterator.next() != nil else { return } }
                        continuation.yield(Data("chunk-\(index)\n".utf8))
                    }
                    // Stays open, like a watch, until the client goes away.
                    _ = await iterator.next()
                }
                continuation.onTermination = { [weak self] _ in
                    task.cancel()
                    gateContinuation.finish()
                    self?.record("gated")
                }
            }
            return ServerResponse(status: 200, headers: [("Content-Type", "application/json")], body: .stream(chunks))
        case "/watch/endless":
            let chunks = AsyncStream<Data> { continuation in
                let task = Task {
                    var index = 0
                    while !Task.isCancelled {
                        index += 1
                        continuation.yield(Data("{\"type\":\"ADDED\",\"index\":\(index)}\n".utf8))
                        try? await Task.sleep(for: .milliseconds(50))
                    }
                }
                continuation.onTermination = { [weak self] _ in
                    task.cancel()
                    self?.record("endless")
                }
            }
            return ServerResponse(status: 200, headers: [("Content-Type", "application/json")], body: .stream(chunks))
        default:
            guard request.path.hasPrefix("/echo") else {
                return ServerResponse(status: 404, headers: [("Content-Type", "text/plain")], body: .data(Data("404 page not found\n".utf8)))
            }
            let echo: [String: Any] = [
                "method": request.method,
                "path": request.path,
                "query": request.query.map { [$0.name, $0.value] },
                "headers": request.headers.map { [$0.name, $0.value] },
                "body": request.body.base64EncodedString(),
                "user": request.user,
            ]
            let body = (try? JSONSerialization.data(withJSONObject: echo)) ?? Data()
            return ServerResponse(status: request.method == "POST" ? 201 : 200,
                                  headers: [("Content-Type", "application/json"), ("X-Echo", "yes")],
                                  body: .data(body))
        }
    }

    private func record(_ name: String) {
        lock.withLock { _terminations.append(name) }
    }
}
