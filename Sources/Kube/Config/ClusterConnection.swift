import Foundation

/// Everything the API client needs to talk to one cluster as one user: the result of resolving
/// a kubeconfig context (or of the local cluster writing one).
public struct ClusterConnection: Sendable {
    /// The API server's base URL, e.g. https://127.0.0.1:6443 (may carry a path prefix).
    public var server: URL
    public var transport: TransportOptions
    /// Adds credentials to each request and learns when they were refused.
    public var credentials: any CredentialSource
    /// The namespace for namespaced requests: flag, then context, then "default".
    public var namespace: String
    public var contextName: String
    public var clusterName: String
    public var userName: String
    /// Things the user should see but that do not stop us (insecure-skip-tls-verify, missing files).
    public var warnings: [String]

    public init(server: URL, transport: TransportOptions, credentials: any CredentialSource,
                namespace: String = "default", contextName: String = "", clusterName: String = "",
                userName: String = "", warnings: [String] = []) {
        self.server = server
        self.transport = transport
        self.credentials = credentials
        self.namespace = namespace
        self.contextName = contextName
        self.clusterName = clusterName
        self.userName = userName
        self.warnings = warnings
    }
}

/// A source of credentials for requests: bearer tokens (static, file, exec plugin, OIDC id-token),
/// basic auth, client certificates from an exec plugin, and impersonation headers.
public protocol CredentialSource: Sendable {
    /// Adds what this source proves (headers, client identity) to the request. May run an exec plugin.
    func authorize(_ request: inout HTTPRequest) async throws
    /// Called after the server answered 401: cached credentials are dropped so that the next
    /// `authorize` fetches fresh ones. Returns true when a retry could succeed (something was refreshed).
    func invalidate() async -> Bool
}

/// No credentials at all (anonymous, or a client certificate already in the transport's TLS options).
public struct NoCredentials: CredentialSource {
    public init() {}
    public func authorize(_ request: inout HTTPRequest) async throws {}
    public func invalidate() async -> Bool { false }
}
