import Foundation
import XCTest
@testable import Kube

/// A scripted in-memory HTTPTransport. Each scripted step states the request it expects
/// (method, path, query as sorted raw `k=v` pieces, chosen headers, body) and the answer to give.
/// A request that does not match fails the test and gets a 599; a request beyond the script
/// waits until the task is cancelled (so a background informer parks instead of spinning).
final class RecordedTransport: HTTPTransport, @unchecked Sendable {
    struct Expectation {
        var method: String
        var path: String
        /// Raw (still percent-encoded) query in any order; nil = do not check.
        var query: String?
        var headers: [String: String] = [:]
        var body: Data?
        /// Compare bodies as JSON values rather than bytes.
        var bodyIsJSON = false
    }

    enum Reply {
        case response(status: Int, headers: [String: String], body: Data)
        /// Body in chunks, then a normal end or an error.
        case stream(status: Int, headers: [String: String], chunks: [Data], failure: Error?)
        case failure(Error)
    }

    struct Step {
        var expect: Expectation
        var reply: Reply
    }

    private let lock = NSLock()
    private var script: [Step]
    private(set) var received: [HTTPRequest] = []
    private var exhaustedWaiters: [CheckedContinuation<Void, Never>] = []
    private var exhausted = false
    private let file: StaticString
    private let line: UInt

    init(_ script: [Step], file: StaticString = #filePath, line: UInt = #line) {
        self.script = script
        self.file = file
        self.line = line
    }

    var requests: [HTTPRequest] { lock.withLock { received } }
    var remainingSteps: Int { lock.withLock { script.count } }

    /// Returns once a request arrived that the script has no answer for.
    func waitUntilExhausted() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let done: Bool = lock.withLock {
                if exhausted { return true }
                exhaustedWaiters.append(c)
                return false
            }
            if done { c.resume() }
        }
    }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        switch try await next(request) {
        case let .response(status, headers, body): return HTTPResponse(status: status, headers: headers, body: body, httpVersion: "2")
        case let .stream(status, headers, chunks, failure):
            var body = Data(chunks.joined())
            if failure != nil { body = Data() }
            return HTTPResponse(status: status, headers: headers, body: body, httpVersion: "2")
        case let .failure(error): throw error
        }
    }

    /// How many requests came through `stream` rather than `send`.
    var streamedRequestCount: Int { lock.withLock { streamed } }
    private var streamed = 0

    func stream(_ request: HTTPRequest) async throws -> StreamingResponse {
        lock.withLock { streamed += 1 }
        switch try await next(request) {
        case let .response(status, headers, body):
            return StreamingResponse(status: status, headers: headers, body: Self.body([body], failure: nil))
        case let .stream(status, headers, chunks, failure):
            return StreamingResponse(status: status, headers: headers, body: Self.body(chunks, failure: failure))
        case let .failure(error): throw error
        }
    }

    private static func body(_ chunks: [Data], failure: Error?) -> AsyncThrowingStream<Data, Error> {
        AsyncThrowingStream { c in
            for chunk in chunks { c.yield(chunk) }
            c.finish(throwing: failure)
        }
    }

    private func next(_ request: HTTPRequest) async throws -> Reply {
        let step: Step? = lock.withLock {
            received.append(request)
            if script.isEmpty {
                exhausted = true
                let waiters = exhaustedWaiters
                exhaustedWaiters = []
                waiters.forEach { $0.resume() }
                return nil
            }
            return script.removeFirst()
        }
        guard let step else {
            // Park until cancelled: the test has seen everything it scripted.
            while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
            throw CancellationError()
        }
        if let mismatch = Self.mismatch(step.expect, request) {
            XCTFail("request \(request.method) \(request.url.absoluteString): \(mismatch)", file: file, line: line)
            return .response(status: 599, headers: [:], body: Data("unexpected request".utf8))
        }
        return step.reply
    }

    static func mismatch(_ e: Expectation, _ r: HTTPRequest) -> String? {
        if r.method != e.method { return "method \(r.method), expected \(e.method)" }
        let components = URLComponents(url: r.url, resolvingAgainstBaseURL: false)
        let path = components?.percentEncodedPath ?? ""
        if path != e.path { return "path \(path), expected \(e.path)" }
        if let q = e.query {
            let got = (components?.percentEncodedQuery ?? "").split(separator: "&").map(String.init).sorted()
            let want = q.split(separator: "&").map(String.init).sorted()
            if got != want { return "query \(got), expected \(want)" }
        }
        for (name, value) in e.headers where r.header(name) != value {
            return "header \(name): \(r.header(name) ?? "missing"), expected \(value)"
        }
        if let body = e.body {
            guard let got = r.body else { return "no body, expected one" }
            if e.bodyIsJSON {
                let a = try? JSONSerialization.jsonObject(with: got) as? NSObject
                let b = try? JSONSerialization.jsonObject(with: body) as? NSObject
                if a == nil || a != b { return "body \(String(decoding: got, as: UTF8.self)), expected \(String(decoding: body, as: UTF8.self))" }
            } else if got != body {
                return "body \(String(decoding: got, as: UTF8.self)), expected \(String(decoding: body, as: UTF8.self))"
            }
        }
        return nil
    }
}

extension RecordedTransport.Step {
    /// Replays a recorded exchange: expects its method, path and query; answers with its status,
    /// headers and body file. `query` overrides the recorded query (informers pick their own).
    static func fixture(_ file: String, query: String? = nil, headers: [String: String] = [:],
                        chunkSize: Int? = nil) throws -> Self {
        let exchange = try RecordedFixtures.exchange(file)
        let components = URLComponents(url: exchange.url, resolvingAgainstBaseURL: false)
        let body = try RecordedFixtures.data(file)
        let expect = RecordedTransport.Expectation(method: exchange.method, path: components?.percentEncodedPath ?? "",
                                                   query: query ?? (components?.percentEncodedQuery ?? ""), headers: headers)
        if let chunkSize {
            return Self(expect: expect, reply: .stream(status: exchange.status, headers: exchange.responseHeaders,
                                                       chunks: body.chunked(chunkSize), failure: nil))
        }
        return Self(expect: expect, reply: .response(status: exchange.status, headers: exchange.responseHeaders, body: body))
    }
}

extension Data {
    /// Splits into pieces of `size` bytes (the last may be shorter).
    func chunked(_ size: Int) -> [Data] {
        let bytes = [UInt8](self)
        return stride(from: 0, to: bytes.count, by: size).map { Data(bytes[$0..<Swift.min($0 + size, bytes.count)]) }
    }
}

/// Credentials that count their calls, for the 401 retry tests.
final class CountingCredentials: CredentialSource, @unchecked Sendable {
    private let lock = NSLock()
    private var _authorized = 0
    private var _invalidated = 0
    let refreshes: Bool
    init(refreshes: Bool) { self.refreshes = refreshes }
    var authorized: Int { lock.withLock { _authorized } }
    var invalidated: Int { lock.withLock { _invalidated } }

    func authorize(_ request: inout HTTPRequest) async throws {
        let n = lock.withLock { _authorized += 1; return _authorized }
        request.headers.append(("Authorization", "Bearer token-\(n)"))
    }

    func invalidate() async -> Bool {
        lock.withLock { _invalidated += 1 }
        return refreshes
    }
}

/// A tiny pod model for tests (the real Pod model lives with the typed models).
struct TestPod: KubeResource, Equatable {
    static let resourceType = ResourceType(group: "", version: "v1", resource: "pods", kind: "Pod", namespaced: true)
    struct Status: Codable, Equatable, Sendable { var phase: String? }
    var metadata: ObjectMeta
    var status: Status?
}

func makeClient(_ transport: RecordedTransport, credentials: any CredentialSource = NoCredentials(),
                server: String = "https://127.0.0.1:6443",
                onWarning: @escaping @Sendable (APIWarning) -> Void = { _ in }) -> KubeClient {
    let connection = ClusterConnection(server: URL(string: server)!, transport: TransportOptions(userAgent: "kvdeck/test"),
                                       credentials: credentials, namespace: "fixtures")
    return KubeClient(connection: connection, transport: transport, onWarning: onWarning)
}
