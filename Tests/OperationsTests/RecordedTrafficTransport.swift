import Foundation
import Kube
import KvdeckTestSupport
import YAML

/// An `HTTPTransport` for replaying a recorded scene: GETs are answered from recorded response
/// bodies by path and query; writes are recorded and answered with `writeAnswer`; anything else
/// (access reviews, autoscaler lists) is a 404. Requests are kept for comparison with kubectl's.
final class RecordedTrafficTransport: HTTPTransport, @unchecked Sendable {
    struct Sent: Equatable, CustomStringConvertible {
        var method: String
        /// Path and query as sent ("/apis/apps/v1/...?dryRun=All").
        var url: String
        var contentType: String?
        var body: String?
        var description: String { "\(method) \(url) [\(contentType ?? "-")] \(body ?? "")" }
    }

    private let lock = NSLock()
    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
    private var answers: [String: Data]
    private var sentRequests: [Sent] = []
    var writeAnswer = Data("{}".utf8)
    /// POST path → the recorded answer (access reviews, SelfSubjectReview).
    var postAnswers: [String: Data] = [:]

    /// - Parameter answers: "path?query" → the recorded body.
    init(answers: [String: Data]) { self.answers = answers }

    var sent: [Sent] { locked { sentRequests } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let components = URLComponents(url: request.url, resolvingAgainstBaseURL: false)
        let url = (components?.percentEncodedPath ?? "") + (components?.percentEncodedQuery.map { "?\($0)" } ?? "")
        let entry = Sent(method: request.method, url: url, contentType: request.header("Content-Type"),
                         body: request.body.map { String(decoding: $0, as: UTF8.self) })
        return locked {
            sentRequests.append(entry)
            if request.method == "GET", let body = answers[url] { return HTTPResponse(status: 200, body: body) }
            if request.method == "PATCH" || request.method == "PUT" { return HTTPResponse(status: 200, body: writeAnswer) }
            if request.method == "POST", let body = postAnswers[url] { return HTTPResponse(status: 201, body: body) }
            let status = #"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"not recorded","reason":"NotFound","code":404}"#
            return HTTPResponse(status: 404, body: Data(status.utf8))
        }
    }

    func stream(_ request: HTTPRequest) async throws -> StreamingResponse {
        let response = try await send(request)
        let body = response.body
        return StreamingResponse(status: response.status, headers: [:], body: AsyncThrowingStream {
            $0.yield(body)
            $0.finish()
        })
    }

    static func client(_ transport: RecordedTrafficTransport, namespace: String = "fixtures") -> KubeClient {
        KubeClient(connection: ClusterConnection(server: URL(string: "https://127.0.0.1:6443")!, transport: TransportOptions(),
                                                 credentials: NoCredentials(), namespace: namespace),
                   transport: transport)
    }
}

/// The requests kubectl sent in one recorded capture (`*.kubectl-requests.jsonl`).
struct KubectlCapture {
    var requests: [RecordedTrafficTransport.Sent]

    init(_ folder: String, _ capture: String) throws {
        let url = SharedFixtures.realAPIServer.appendingPathComponent(folder).appendingPathComponent("\(capture).kubectl-requests.jsonl")
        let text = try String(contentsOf: url, encoding: .utf8)
        requests = try text.split(separator: "\n").map { line in
            let value = try JSONValue(json: Data(line.utf8))
            let full = value["url"]?.stringValue ?? ""
            let url = URLComponents(string: full).map { ($0.percentEncodedPath) + ($0.percentEncodedQuery.map { "?\($0)" } ?? "") } ?? full
            return RecordedTrafficTransport.Sent(method: value["method"]?.stringValue ?? "", url: url,
                                                 contentType: value["contentType"]?.stringValue,
                                                 body: value["body"]?.stringValue)
        }
    }

    var writes: [RecordedTrafficTransport.Sent] { requests.filter { $0.method != "GET" } }
    var reads: [String] { requests.filter { $0.method == "GET" }.map(\.url) }
}
