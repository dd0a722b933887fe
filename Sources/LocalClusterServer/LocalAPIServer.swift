import Foundation
import Hummingbird
import HummingbirdTLS
import LocalCluster
import Logging
import NIOCore
import NIOSSL

/// The local cluster's HTTPS front: TLS with a `LocalCertificateAuthority`'s serving certificate,
/// bearer-token authentication, and every authenticated request handed to an `APIRequestHandler`.
/// HTTP/1.1 only; bound to loopback.
///
/// Use: `let port = try await server.start()` (returns once it is listening), then `await server.stop()`.
/// A run started with `start()` lives in its own task, so `kvdeck demo` and tests drive it alike.
public actor LocalAPIServer {
    public nonisolated let authority: LocalCertificateAuthority
    public nonisolated let host: String
    private let requestedPort: Int
    private let responder: APIResponder
    private let logger: Logger
    private var runTask: Task<Void, Error>?
    /// The port it listens on, once `start()` has returned.
    public private(set) var port: Int?

    /// - Parameters:
    ///   - tokens: bearer token → user name. The user name reaches the handler as `ServerRequest.user`.
    ///   - port: 0 for an ephemeral port (learn it from `start()`).
    ///   - maxBodyBytes: larger request bodies are answered 413 without reaching the handler.
    public init(handler: any APIRequestHandler,
                authority: LocalCertificateAuthority,
                tokens: [String: String],
                host: String = "127.0.0.1",
                port: Int = 0,
                maxBodyBytes: Int = 16 << 20,
                logger: Logger = Logger(label: "kvdeck.local-cluster.server")) {
        self.authority = authority
        self.host = host
        self.requestedPort = port
        self.logger = logger
        self.responder = APIResponder(handler: handler, tokens: BearerTokenTable(tokens),
                                      maxBodyBytes: maxBodyBytes, logger: logger)
    }

    /// Starts listening and returns the bound port. Throws if the TLS material is unusable or
    /// the address cannot be bound. Calling it again while running returns the same port.
    @discardableResult
    public func start() async throws -> Int {
        if let port { return port }
        let tls = try TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(NIOSSLCertificate(bytes: Array(authority.servingCertificatePEM.utf8), format: .pem))],
            privateKey: .privateKey(NIOSSLPrivateKey(bytes: Array(authority.servingKeyPEM.utf8), format: .pem)))
        var tlsConfiguration = tls
        tlsConfiguration.applicationProtocols = ["http/1.1"]

        let (listening, listeningSource) = AsyncStream<Int>.makeStream()
        let app = Application(
            responder: responder,
            server: try .tls(.http1(), tlsConfiguration: tlsConfiguration),
            configuration: ApplicationConfiguration(address: .hostname(host, port: requestedPort), serverName: nil),
            onServerRunning: { channel in
                listeningSource.yield(channel.localAddress?.port ?? 0)
                listeningSource.finish()
            },
            logger: logger)
        let task = Task.detached {
            defer { listeningSource.finish() }
            try await app.run()
        }
        runTask = task
        var iterator = listening.makeAsyncIterator()
        if let bound = await iterator.next() {
            port = bound
            logger.info("local API server listening", metadata: ["address": "\(host):\(bound)"])
            return bound
        }
        // The run ended before it listened: report why.
        runTask = nil
        try await task.value
        throw LocalAPIServerError.stoppedBeforeListening(address: "\(host):\(requestedPort)")
    }

    /// Stops the server: open connections, watches included, are closed (their streams end and
    /// their onTermination handlers run). Returns when the server has stopped.
    public func stop() async {
        guard let task = runTask else { return }
        runTask = nil
        port = nil
        task.cancel()
        _ = await task.result
    }

    /// `https://127.0.0.1:PORT` once started.
    public var serverURL: String? {
        port.map { "https://\(host.contains(":") ? "[\(host)]" : host):\($0)" }
    }
}

public enum LocalAPIServerError: Error, Sendable, CustomStringConvertible {
    case stoppedBeforeListening(address: String)

    public var description: String {
        switch self {
        case let .stoppedBeforeListening(address): return "the local API server stopped before it listened on \(address)"
        }
    }
}
