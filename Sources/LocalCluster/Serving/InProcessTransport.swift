import Foundation
import Kube

/// An `HTTPTransport` that hands requests straight to an `APIRequestHandler` in the same process:
/// the local cluster's controllers use the ordinary `KubeClient` and informers through it, so they
/// are API clients exactly as the real controllers are, without sockets or TLS in between.
public struct InProcessTransport: HTTPTransport {
    private let handler: any APIRequestHandler
    /// The identity requests are made as (controllers' names, as in managedFields).
    private let user: String

    public init(handler: any APIRequestHandler, user: String) {
        self.handler = handler
        self.user = user
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let response = await handler.handle(serverRequest(request))
        let headers = Self.headerMap(response.headers)
        switch response.body {
        case let .data(data):
            return HTTPResponse(status: response.status, headers: headers, body: data, httpVersion: "1.1")
        case let .stream(chunks):
            var body = Data()
            for await chunk in chunks { body.append(chunk) }
            return HTTPResponse(status: response.status, headers: headers, body: body, httpVersion: "1.1")
        }
    }

    public func stream(_ request: HTTPRequest) async throws -> StreamingResponse {
        let response = await handler.handle(serverRequest(request))
        let body: AsyncThrowingStream<Data, Error>
        switch response.body {
        case let .data(data):
            body = AsyncThrowingStream { continuation in
                if !data.isEmpty { continuation.yield(data) }
                continuation.finish()
            }
        case let .stream(chunks):
            // Ending the consumer's iteration cancels the relay, which ends the handler's stream.
            body = AsyncThrowingStream { continuation in
                let relay = Task {
                    for await chunk in chunks { continuation.yield(chunk) }
                    continuation.finish()
                }
                continuation.onTermination = { _ in relay.cancel() }
            }
        }
        return StreamingResponse(status: response.status, headers: Self.headerMap(response.headers), body: body)
    }

    private func serverRequest(_ request: HTTPRequest) -> ServerRequest {
        let components = URLComponents(url: request.url, resolvingAgainstBaseURL: false)
        let query = (components?.queryItems ?? []).map { (name: $0.name, value: $0.value ?? "") }
        return ServerRequest(method: request.method, path: components?.path ?? request.url.path, query: query,
                             headers: request.headers, body: request.body ?? Data(), user: user)
    }

    /// Lower-cased names, repeats joined with ", ", as the libcurl transport reports them.
    private static func headerMap(_ headers: [(name: String, value: String)]) -> [String: String] {
        var map: [String: String] = [:]
        for (name, value) in headers {
            let key = name.lowercased()
            map[key] = map[key].map { "\($0), \(value)" } ?? value
        }
        return map
    }
}
