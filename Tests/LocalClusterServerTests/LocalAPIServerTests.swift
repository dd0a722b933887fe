import Foundation
import Kube
import KvdeckTestSupport
import LocalCluster
import LocalClusterServer
import XCTest

/// The HTTPS front driven by real clients over loopback: kubectl (the reference) and kvdeck's own
/// libcurl client, both configured only through the kubeconfig the server writes.
final class LocalAPIServerTests: XCTestCase {
    private static let token = "kvdeck-test-token-0123456789abcdef"

    private var handler: TestAPIHandler!
    private var server: LocalAPIServer!
    private var stateDirectory: URL!
    private var kubeconfigPath: String!

    override func setUp() async throws {
        handler = TestAPIHandler()
        let authority = try LocalCertificateAuthority()
        server = LocalAPIServer(handler: handler, authority: authority, tokens: [Self.token: "kvdeck-admin"])
        let port = try await server.start()
        XCTAssertGreaterThan(port, 0)
        stateDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("kvdeck-lcserver-\(UUID().uuidString)")
        let serverURL = await server.serverURL
        kubeconfigPath = try LocalKubeconfig(server: try XCTUnwrap(serverURL), caCertificatePEM: authority.caCertificatePEM,
                                             token: Self.token).write(toDirectory: stateDirectory)
    }

    override func tearDown() async throws {
        await server?.stop()
        if let stateDirectory { try? FileManager.default.removeItem(at: stateDirectory) }
    }

    // MARK: - kubectl

    func testKubectlGetRawVersionVerifiesTLSWithTheKubeconfigCA() async throws {
        let kubectl = try kubectlPath()
        let run = try await runOffPool(kubectl, ["--kubeconfig", kubeconfigPath, "get", "--raw", "/version"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let recorded = try Data(contentsOf: SharedFixtures.realAPIServer.appendingPathComponent("01-discovery/version.json"))
        XCTAssertEqual(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
                       String(decoding: recorded, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func testKubectlWithWrongTokenIsUnauthorized() async throws {
        let kubectl = try kubectlPath()
        let run = try await runOffPool(kubectl, ["--kubeconfig", kubeconfigPath, "--token", "wrong", "get", "--raw", "/version"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("Unauthorized"), run.stderr)
        XCTAssertFalse(run.stderr.contains(Self.token), "the right token must not show in errors")
    }

    func testKubectlVersionReadsTheServerVersion() async throws {
        let kubectl = try kubectlPath()
        let run = try await runOffPool(kubectl, ["--kubeconfig", kubeconfigPath, "version", "-o", "json"])
        XCTAssertTrue(run.stdout.contains("\"gitVersion\": \"v1.36.2\""), run.stdout + run.stderr)
    }

    // MARK: - kvdeck's client

    func testKubeClientServerVersionThroughTheWrittenKubeconfig() async throws {
        let connection = try resolveConnection()
        XCTAssertEqual(connection.namespace, "llm-prod")
        XCTAssertEqual(connection.contextName, "kvdeck-local")
        let transport = try CurlTransport(options: connection.transport)
        defer { transport.shutdown() }
        let client = KubeClient(connection: connection, transport: transport)
        let version = try await client.serverVersion()
        XCTAssertEqual(version.gitVersion, "v1.36.2")
        XCTAssertEqual(version.major, "1")
        XCTAssertEqual(version.minor, "36")
    }

    func testPathQueryAndHeadersReachTheHandlerDecoded() async throws {
        let connection = try resolveConnection()
        let transport = try CurlTransport(options: connection.transport)
        defer { transport.shutdown() }
        let url = URL(string: connection.server.absoluteString
            + "/echo/api/v1/namespaces/llm-prod/pods/a%2Fb%20c+d?labelSelector=app%3Dvllm%2Ctier+in+(a%2Cb)&watch=1&x=&labelSelector=second")!
        var request = Kube.HTTPRequest(method: "GET", url: url,
                                       headers: [("Accept", "application/json"), ("X-First", "1"), ("X-Second", "two")])
        try await connection.credentials.authorize(&request)
        let response = try await transport.send(request)
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers["x-echo"] ?? response.headers["X-Echo"], "yes")
        let echo = try decodeEcho(response.body)
        XCTAssertEqual(echo.path, "/echo/api/v1/namespaces/llm-prod/pods/a/b c+d")
        XCTAssertEqual(echo.query.map { $0[0] }, ["labelSelector", "watch", "x", "labelSelector"])
        XCTAssertEqual(echo.query.map { $0[1] }, ["app=vllm,tier in (a,b)", "1", "", "second"])
        XCTAssertEqual(echo.user, "kvdeck-admin")
        let names = echo.headers.map { $0[0].lowercased() }
        let first = try XCTUnwrap(names.firstIndex(of: "x-first"))
        let second = try XCTUnwrap(names.firstIndex(of: "x-second"))
        XCTAssertLessThan(first, second, "header order is kept")
        XCTAssertEqual(echo.headers.first { $0[0].lowercased() == "x-second" }?[1], "two")
        XCTAssertEqual(echo.headers.first { $0[0].lowercased() == "authorization" }?[1], "Bearer \(Self.token)")
    }

    func testPostBodyArrivesByteForByte() async throws {
        let connection = try resolveConnection()
        let transport = try CurlTransport(options: connection.transport)
        defer { transport.shutdown() }
        // Every byte value, more than one TLS record and more than one read.
        var body = Data((0..<256).map { UInt8($0) })
        for index in 0..<(300 * 1024) { body.append(UInt8(truncatingIfNeeded: index &* 31 &+ 7)) }
        var request = Kube.HTTPRequest(method: "POST", url: connection.server.appendingPathComponent("echo/post"),
                                       headers: [("Content-Type", "application/octet-stream")], body: body)
        try await connection.credentials.authorize(&request)
        let response = try await transport.send(request)
        XCTAssertEqual(response.status, 201)
        let echo = try decodeEcho(response.body)
        XCTAssertEqual(echo.method, "POST")
        XCTAssertEqual(Data(base64Encoded: echo.body), body)
    }

    func testResponsesCarryAuditIdAndCacheControl() async throws {
        let connection = try resolveConnection()
        let transport = try CurlTransport(options: connection.transport)
        defer { transport.shutdown() }
        var request = Kube.HTTPRequest(url: connection.server.appendingPathComponent("version"))
        try await connection.credentials.authorize(&request)
        let response = try await transport.send(request)
        let headers = Dictionary(response.headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(headers["cache-control"], "no-cache, private")
        XCTAssertNotNil(UUID(uuidString: headers["audit-id"] ?? ""), "Audit-Id is a UUID: \(headers)")
        XCTAssertEqual(headers["content-type"], "application/json")
        XCTAssertEqual(headers["content-length"], String(response.body.count))
    }

    func testMissingTokenGetsTheRealUnauthorizedStatus() async throws {
        let connection = try resolveConnection()
        let transport = try CurlTransport(options: connection.transport)
        defer { transport.shutdown() }
        let response = try await transport.send(Kube.HTTPRequest(url: connection.server.appendingPathComponent("version")))
        XCTAssertEqual(response.status, 401)
        let recorded = try Data(contentsOf: SharedFixtures.realAPIServer.appendingPathComponent("07-errors/401-bad-token.json"))
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self).trimmingCharacters(in: .newlines),
                       String(decoding: recorded, as: UTF8.self).trimmingCharacters(in: .newlines))
    }

    func testBodyOverTheLimitIs413() async throws {
        let small = LocalAPIServer(handler: handler, authority: try LocalCertificateAuthority(),
                                   tokens: [Self.token: "kvdeck-admin"], maxBodyBytes: 1024)
        try await small.start()
        let serverURLValue = await small.serverURL
        let serverURL = try XCTUnwrap(serverURLValue)
        let path = try LocalKubeconfig(server: serverURL, caCertificatePEM: small.authority.caCertificatePEM, token: Self.token)
            .write(toDirectory: stateDirectory.appendingPathComponent("small"))
        let connection = try KubeconfigLoader(overrides: KubeconfigOverrides(kubeconfigPath: path), environment: ["HOME": stateDirectory.path]).resolve()
        let transport = try CurlTransport(options: connection.transport)
        defer { transport.shutdown() }
        var request = Kube.HTTPRequest(method: "POST", url: connection.server.appendingPathComponent("echo"), body: Data(count: 4096))
        try await connection.credentials.authorize(&request)
        let response = try await transport.send(request)
        XCTAssertEqual(response.status, 413)
        await small.stop()
    }

    // MARK: - Streaming

    func testStreamedChunksArriveOneByOneAndClosingEndsTheHandlerStream() async throws {
        let connection = try resolveConnection()
        let transport = try CurlTransport(options: connection.transport)
        var request = Kube.HTTPRequest(url: connection.server.appendingPathComponent("watch/gated"))
        try await connection.credentials.authorize(&request)
        do {
            let response = try await transport.stream(request)
            XCTAssertEqual(response.status, 200)
            var received = ""
            var iterator = response.body.makeAsyncIterator()
            // Each chunk after the first is produced only once the one before has reached us.
            for index in 1...3 {
                while !received.contains("chunk-\(index)\n") {
                    guard let chunk = try await iterator.next() else { return XCTFail("stream ended early: \(received)") }
                    received += String(decoding: chunk, as: UTF8.self)
                }
                if index < 3 { handler.openGate() }
            }
            XCTAssertEqual(received, "chunk-1\nchunk-2\nchunk-3\n")
        }
        let handler = try XCTUnwrap(self.handler)
        XCTAssertEqual(handler.terminations, [], "the handler's stream runs while the client reads")
        transport.shutdown()
        try await waitFor("the handler's stream ends after the client closes") { handler.terminations == ["gated"] }
    }

    func testStopEndsOpenStreams() async throws {
        let connection = try resolveConnection()
        let transport = try CurlTransport(options: connection.transport)
        defer { transport.shutdown() }
        var request = Kube.HTTPRequest(url: connection.server.appendingPathComponent("watch/endless"))
        try await connection.credentials.authorize(&request)
        let response = try await transport.stream(request)
        var iterator = response.body.makeAsyncIterator()
        _ = try await iterator.next()
        let handler = try XCTUnwrap(self.handler)
        await server.stop()
        try await waitFor("stop() ends the open watch") { handler.terminations == ["endless"] }
    }

    // MARK: - TLS trust

    func testClientTrustingAnotherCARefusesTheServer() async throws {
        let connection = try resolveConnection()
        var options = connection.transport
        options.tls.caPEM = Data(try LocalCertificateAuthority().caCertificatePEM.utf8)
        let transport = try CurlTransport(options: options)
        defer { transport.shutdown() }
        var request = Kube.HTTPRequest(url: connection.server.appendingPathComponent("version"))
        try await connection.credentials.authorize(&request)
        do {
            let response = try await transport.send(request)
            XCTFail("a server certificate from another CA was accepted: \(response.status)")
        } catch let error as TransportError {
            guard case .tlsVerificationFailed = error else { return XCTFail("expected a verification failure, got \(error)") }
        }
    }

    func testServingCertificateCoversLoopbackNames() async throws {
        guard let openssl = CommandRun.which("openssl") else { throw XCTSkip("openssl is not installed") }
        let authority = try LocalCertificateAuthority()
        let certPath = stateDirectory.appendingPathComponent("serving.crt").path
        let caPath = stateDirectory.appendingPathComponent("ca.crt").path
        try authority.servingCertificatePEM.write(toFile: certPath, atomically: true, encoding: .utf8)
        try authority.caCertificatePEM.write(toFile: caPath, atomically: true, encoding: .utf8)
        let text = try await runOffPool(openssl, ["x509", "-in", certPath, "-noout", "-text"]).stdout
        for name in ["DNS:localhost", "DNS:kubernetes.default.svc", "IP Address:127.0.0.1", "IP Address:0:0:0:0:0:0:0:1"] {
            XCTAssertTrue(text.contains(name), "\(name) missing from:\n\(text)")
        }
        let verify = try await runOffPool(openssl, ["verify", "-CAfile", caPath, "-purpose", "sslserver", certPath])
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
        let client = try authority.issueClientCertificate(commonName: "kvdeck-admin", organizations: ["system:masters"])
        let clientPath = stateDirectory.appendingPathComponent("client.crt").path
        try client.certificatePEM.write(toFile: clientPath, atomically: true, encoding: .utf8)
        let clientVerify = try await runOffPool(openssl, ["verify", "-CAfile", caPath, "-purpose", "sslclient", clientPath])
        XCTAssertEqual(clientVerify.status, 0, clientVerify.stdout + clientVerify.stderr)
        let subject = try await runOffPool(openssl, ["x509", "-in", clientPath, "-noout", "-subject"]).stdout
        XCTAssertTrue(subject.contains("O = system:masters") && subject.contains("CN = kvdeck-admin"), subject)
    }

    // MARK: - Kubeconfig

    func testKubeconfigIsPrivateAndUnderTheStateDirectory() throws {
        let attributes = try FileManager.default.attributesOfItem(atPath: kubeconfigPath)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertEqual(kubeconfigPath, stateDirectory.appendingPathComponent("kubeconfig").path)
        XCTAssertEqual(LocalKubeconfig.defaultStateDirectory(environment: ["XDG_STATE_HOME": "/x/state", "HOME": "/h"]).path,
                       "/x/state/kvdeck/local-cluster")
        XCTAssertEqual(LocalKubeconfig.defaultStateDirectory(environment: ["HOME": "/h"]).path,
                       "/h/.local/state/kvdeck/local-cluster")
    }

    func testSecondStartOnABusyPortFails() async throws {
        let portValue = await server.port
        let port = try XCTUnwrap(portValue)
        let second = LocalAPIServer(handler: handler, authority: server.authority, tokens: [:], port: port)
        do {
            let bound = try await second.start()
            await second.stop()
            XCTFail("bound \(bound) although \(port) is taken")
        } catch {
            // Expected: the address is in use.
        }
    }

    // MARK: - Helpers

    private func resolveConnection() throws -> ClusterConnection {
        try KubeconfigLoader(overrides: KubeconfigOverrides(kubeconfigPath: kubeconfigPath, context: nil, namespace: nil),
                             environment: ["HOME": stateDirectory.path]).resolve()
    }

    private func kubectlPath() throws -> String {
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/kubectl") { return "/usr/bin/kubectl" }
        if let found = CommandRun.which("kubectl") { return found }
        throw XCTSkip("kubectl is not installed")
    }

    private struct Echo: Decodable {
        var method: String
        var path: String
        var query: [[String]]
        var headers: [[String]]
        var body: String
        var user: String
    }

    private func decodeEcho(_ data: Data) throws -> Echo {
        try JSONDecoder().decode(Echo.self, from: data)
    }

    /// Runs a program on a thread of its own, so a blocking wait does not hold a cooperative thread.
    private func runOffPool(_ executable: String, _ arguments: [String]) async throws -> CommandRun {
        let environment = ["HOME": stateDirectory.path, "PATH": "/usr/bin:/bin", "KUBECONFIG": ""]
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try CommandRun.run(executable, arguments, environment: environment) })
            }
        }
    }

    private func waitFor(_ what: String, timeout: Duration = .seconds(10), _ condition: @escaping @Sendable () -> Bool) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while !condition() {
            if clock.now > deadline { return XCTFail("timed out waiting: \(what)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
