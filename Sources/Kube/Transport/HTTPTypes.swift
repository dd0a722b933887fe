import Foundation

/// One HTTP request as the Kubernetes client builds it. Credentials that ride in headers
/// (bearer tokens, impersonation) are already in `headers`; a client identity from an exec
/// plugin can replace the transport's default per request.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: URL
    /// Header names as sent; duplicates allowed (Impersonate-Group repeats).
    public var headers: [(name: String, value: String)]
    public var body: Data?
    /// Overall time limit; nil means the transport's default for a complete request and none for a stream.
    public var timeout: Duration?
    /// Overrides the transport's client certificate and key for this request.
    public var clientIdentity: ClientIdentity?

    public init(method: String = "GET", url: URL, headers: [(name: String, value: String)] = [],
                body: Data? = nil, timeout: Duration? = nil, clientIdentity: ClientIdentity? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.clientIdentity = clientIdentity
    }

    /// The value of the first header with this name, compared without case.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// A complete response. Header names are lower-cased (HTTP/2 sends them so; HTTP/1.1 is folded to match).
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data
    /// "1.1" or "2", as negotiated.
    public var httpVersion: String

    public init(status: Int, headers: [String: String] = [:], body: Data = Data(), httpVersion: String = "1.1") {
        self.status = status
        self.headers = headers
        self.body = body
        self.httpVersion = httpVersion
    }
}

/// A response whose body arrives in chunks (watch streams, followed logs). Ending the iteration,
/// or cancelling the task that iterates, stops the transfer and frees its connection.
public struct StreamingResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: AsyncThrowingStream<Data, Error>

    public init(status: Int, headers: [String: String], body: AsyncThrowingStream<Data, Error>) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// PEM certificate and key presented to the server.
public struct ClientIdentity: Sendable, Equatable {
    public var certificatePEM: Data
    public var keyPEM: Data
    public init(certificatePEM: Data, keyPEM: Data) {
        self.certificatePEM = certificatePEM
        self.keyPEM = keyPEM
    }
}

/// How the transport verifies the server and who it says it is.
public struct TLSOptions: Sendable, Equatable {
    /// PEM bundle of trusted CAs; nil means the system's store.
    public var caPEM: Data?
    public var clientIdentity: ClientIdentity?
    /// Verification off. Allowed only without a CA (kubeconfig rejects the pair), and shown as a warning.
    public var insecureSkipVerify: Bool
    /// Name for SNI and for checking the certificate, when it differs from the URL's host.
    public var serverName: String?

    public init(caPEM: Data? = nil, clientIdentity: ClientIdentity? = nil,
                insecureSkipVerify: Bool = false, serverName: String? = nil) {
        self.caPEM = caPEM
        self.clientIdentity = clientIdentity
        self.insecureSkipVerify = insecureSkipVerify
        self.serverName = serverName
    }
}

/// Settings that hold for every request through one transport.
public struct TransportOptions: Sendable, Equatable {
    public var tls: TLSOptions
    /// http://, https:// or socks5:// proxy; nil uses none (environment proxies are not read implicitly).
    public var proxyURL: URL?
    public var connectTimeout: Duration
    /// Default overall limit for requests that are not streams.
    public var requestTimeout: Duration
    /// Turns off Accept-Encoding negotiation (kubeconfig `disable-compression`).
    public var disableCompression: Bool
    public var userAgent: String

    public init(tls: TLSOptions = TLSOptions(), proxyURL: URL? = nil,
                connectTimeout: Duration = .seconds(10), requestTimeout: Duration = .seconds(60),
                disableCompression: Bool = false, userAgent: String = "kvdeck") {
        self.tls = tls
        self.proxyURL = proxyURL
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.disableCompression = disableCompression
        self.userAgent = userAgent
    }
}

/// A failure below HTTP: no answer, or no trustworthy one.
public enum TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    case connectFailed(host: String, detail: String)
    case tlsVerificationFailed(host: String, detail: String)
    case tlsHandshakeFailed(host: String, detail: String)
    case timedOut(url: String, after: Duration)
    case proxyFailed(detail: String)
    case cancelled
    case invalidRequest(String)
    case other(code: Int, detail: String)

    public var description: String {
        switch self {
        case let .connectFailed(host, d): return "cannot connect to \(host): \(d)"
        case let .tlsVerificationFailed(host, d):
            return "the server \(host) presented a certificate that is not trusted (\(d)); check certificate-authority in the kubeconfig"
        case let .tlsHandshakeFailed(host, d): return "TLS handshake with \(host) failed: \(d)"
        case let .timedOut(url, after): return "no answer from \(url) within \(after)"
        case let .proxyFailed(d): return "proxy failed: \(d)"
        case .cancelled: return "request cancelled"
        case let .invalidRequest(d): return "invalid request: \(d)"
        case let .other(code, d): return "transport error \(code): \(d)"
        }
    }
}

/// What the API client needs from a transport; the libcurl transport is the real one, and tests
/// may put a recorded one in its place.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
    /// Returns once the status and headers have arrived; the body follows as it streams.
    func stream(_ request: HTTPRequest) async throws -> StreamingResponse
}
