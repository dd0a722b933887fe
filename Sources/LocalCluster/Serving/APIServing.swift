import Foundation

/// One request to the local API server, after TLS and authentication: what the API semantics
/// layer needs and nothing about sockets.
public struct ServerRequest: Sendable {
    public var method: String
    /// The URL path, percent-decoded, without the query ("/api/v1/namespaces/default/pods").
    public var path: String
    /// Query parameters in order, percent-decoded; a name may repeat.
    public var query: [(name: String, value: String)]
    /// Header names as received; compare without case (use `header(_:)`).
    public var headers: [(name: String, value: String)]
    public var body: Data
    /// Who the bearer token says the caller is (e.g. "kvdeck-admin"); used in managedFields and
    /// for the default fieldManager, as the real server takes it from the User-Agent.
    public var user: String

    public init(method: String, path: String, query: [(name: String, value: String)] = [],
                headers: [(name: String, value: String)] = [], body: Data = Data(), user: String = "") {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.user = user
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The first value of a query parameter.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }
}

/// What the API semantics layer answers: a complete body, or a stream (watch, followed logs)
/// that the server writes chunk by chunk until it ends or the client goes away.
public enum ServerResponseBody: Sendable {
    case data(Data)
    /// Each element is written and flushed as it comes; the server stops iterating (and the
    /// stream's onTermination runs) when the client disconnects.
    case stream(AsyncStream<Data>)
}

public struct ServerResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: ServerResponseBody

    public init(status: Int, headers: [(name: String, value: String)] = [], body: ServerResponseBody = .data(Data())) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// The Kubernetes API's behaviour, apart from HTTP: the local cluster's semantics layer
/// implements it, and the HTTPS server hands every authenticated request to it.
public protocol APIRequestHandler: Sendable {
    func handle(_ request: ServerRequest) async -> ServerResponse
}
