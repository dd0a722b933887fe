import Foundation
import Logging

/// The Kubernetes API client: one cluster, one identity. It builds kubectl-identical requests,
/// adds credentials, retries once after a 401 when the credentials could be refreshed, and turns
/// failed responses into `KubeAPIError`s. Immutable and safe to share between tasks.
public final class KubeClient: Sendable {
    public let connection: ClusterConnection
    let transport: any HTTPTransport
    /// Called with every `Warning:` header the server sends (fieldValidation=Warn, deprecations).
    let onWarning: @Sendable (APIWarning) -> Void
    let logger: Logger

    public init(connection: ClusterConnection, transport: any HTTPTransport,
                onWarning: @escaping @Sendable (APIWarning) -> Void = { _ in },
                logger: Logger = Logger(label: "kvdeck.kube.client")) {
        self.connection = connection
        self.transport = transport
        self.onWarning = onWarning
        self.logger = logger
    }

    /// The largest error body read from a failed stream (watch/logs): enough for any Status.
    static let errorBodyLimit = 1 << 20

    // MARK: - Sending

    /// Sends a request and returns the successful (2xx) response; any other status throws `KubeAPIError`.
    func send(_ request: APIRequest) async throws -> HTTPResponse {
        let response = try await sendReturningAnyStatus(request)
        guard (200..<300).contains(response.status) else {
            throw KubeAPIError(status: response.status, body: response.body, request: request.summary)
        }
        return response
    }

    /// Sends a request and returns the response whatever its status (after the 401 retry).
    func sendReturningAnyStatus(_ request: APIRequest) async throws -> HTTPResponse {
        let response = try await withAuthorization(request) { try await self.transport.send($0) } status: { $0.status }
        reportWarnings(response.headers, request: request)
        return response
    }

    /// Opens a streaming request (watch, followed logs). A non-2xx status throws `KubeAPIError`
    /// after reading the (bounded) error body.
    func openStream(_ request: APIRequest) async throws -> StreamingResponse {
        let response = try await withAuthorization(request) { try await self.transport.stream($0) } status: { $0.status }
        reportWarnings(response.headers, request: request)
        guard (200..<300).contains(response.status) else {
            var body = Data()
            for try await chunk in response.body {
                body.append(chunk)
                if body.count >= Self.errorBodyLimit { break }
            }
            throw KubeAPIError(status: response.status, body: body, request: request.summary)
        }
        return response
    }

    /// Authorizes and sends; after a 401, invalidates the credentials and, if they could be
    /// refreshed, sends once more. A second 401 is returned to the caller as is.
    private func withAuthorization<R: Sendable>(
        _ request: APIRequest,
        send: (HTTPRequest) async throws -> R,
        status: (R) -> Int
    ) async throws -> R {
        var retried = false
        while true {
            var http = HTTPRequest(method: request.method, url: try request.url(base: connection.server),
                                   headers: [("Accept", request.accept), ("User-Agent", connection.transport.userAgent)],
                                   body: request.body, timeout: request.timeout)
            if let contentType = request.contentType { http.headers.append(("Content-Type", contentType)) }
            try await connection.credentials.authorize(&http)
            let response = try await send(http)
            if status(response) == 401, !retried {
                retried = true
                if await connection.credentials.invalidate() {
                    logger.debug("401 from the server; retrying once with refreshed credentials",
                                 metadata: ["request": "\(request.method) \(request.path)"])
                    continue
                }
            }
            return response
        }
    }

    private func reportWarnings(_ headers: [String: String], request: APIRequest) {
        guard let value = headers["warning"] ?? headers.first(where: { $0.key.lowercased() == "warning" })?.value else { return }
        for warning in APIWarning.parse(value, request: "\(request.method) \(request.path)") {
            logger.notice("server warning", metadata: ["request": "\(warning.request)", "warning": "\(warning.text)"])
            onWarning(warning)
        }
    }

    // MARK: - Decoding

    /// Decodes a typed body, naming the request when the body does not fit the model.
    func decode<D: Decodable>(_ type: D.Type, from response: HTTPResponse, request: APIRequest) throws -> D {
        do {
            return try JSONDecoder().decode(type, from: response.body)
        } catch {
            throw KubeClientError.undecodableResponse(context: request.summary, detail: DecodingErrorText.describe(error))
        }
    }
}

/// Short, path-bearing descriptions of `DecodingError`s (the default ones are long and opaque).
enum DecodingErrorText {
    /// `under` names where the decoded bytes sit in a larger body ("items[3]"), as a path prefix.
    static func describe(_ error: Error, under prefix: String = "") -> String {
        guard let error = error as? DecodingError else { return prefix.isEmpty ? "\(error)" : "\(prefix): \(error)" }
        func path(_ context: DecodingError.Context) -> String {
            let p = prefix + context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? "the body" : String(p.drop { $0 == "." })
        }
        switch error {
        case let .typeMismatch(type, c): return "\(path(c)): expected \(type)"
        case let .valueNotFound(type, c): return "\(path(c)): missing \(type)"
        case let .keyNotFound(key, c): return "\(path(c)): missing field \"\(key.stringValue)\""
        case let .dataCorrupted(c): return "\(path(c)): \(c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
