import Foundation
import KvdeckTestSupport
import XCTest
@testable import Kube

/// Real libcurl against a real TLS server on 127.0.0.1 (Support/curl_test_server.py).
final class CurlTransportTests: XCTestCase {
    private var pki: TestPKI!
    private var servers: [TestHTTPSServer] = []
    private var transports: [CurlTransport] = []

    override func setUpWithError() throws {
        pki = try TestPKI.make()
    }

    override func tearDown() {
        for transport in transports { transport.shutdown() }
        transports = []
        for server in servers { server.stop() }
        servers = []
        pki?.remove()
        pki = nil
    }

    // MARK: Helpers

    private func startServer(requireClientCertificate: Bool = false) throws -> TestHTTPSServer {
        let server = try TestHTTPSServer(pki: pki, requireClientCertificate: requireClientCertificate)
        servers.append(server)
        return server
    }

    private func makeTransport(_ tls: TLSOptions? = nil, requestTimeout: Duration = .seconds(30)) throws -> CurlTransport {
        let transport = try CurlTransport(options: TransportOptions(
            tls: tls ?? TLSOptions(caPEM: pki.caPEM), connectTimeout: .seconds(10),
            requestTimeout: requestTimeout, userAgent: "kvdeck-tests"))
        transports.append(transport)
        return transport
    }

    private struct Echo: Decodable {
        var method: String
        var path: String
        var headers: [[String]]
        var body: String
        var client_subject: [String: [String]]

        func values(of name: String) -> [String] {
            headers.filter { $0.first?.lowercased() == name.lowercased() }.compactMap { $0.last }
        }
        var bodyData: Data? { Data(base64Encoded: body) }
    }

    private func decodeEcho(_ response: HTTPResponse, file: StaticString = #filePath, line: UInt = #line) throws -> Echo {
        XCTAssertEqual(response.status, 200, file: file, line: line)
        return try JSONDecoder().decode(Echo.self, from: response.body)
    }

    private func stats(_ transport: CurlTransport, _ server: TestHTTPSServer) async throws -> [String: Int] {
        let response = try await transport.send(HTTPRequest(url: server.url("/stats")))
        return try JSONDecoder().decode([String: Int].self, from: response.body)
    }

    /// Polls the server's counters until `condition` holds, up to `attempts` times (no timing assertion).
    private func waitForStats(_ transport: CurlTransport, _ server: TestHTTPSServer, attempts: Int = 100,
                              until condition: ([String: Int]) -> Bool) async throws -> [String: Int] {
        var latest: [String: Int] = [:]
        for _ in 0..<attempts {
            latest = try await stats(transport, server)
            if condition(latest) { return latest }
            try await Task.sleep(for: .milliseconds(50))
        }
        return latest
    }

    private func assertTransportError(_ body: () async throws -> Void, file: StaticString = #filePath, line: UInt = #line,
                                      _ check: (TransportError) -> Bool) async {
        do {
            try await body()
            XCTFail("expected a TransportError, got success", file: file, line: line)
        } catch let error as TransportError {
            XCTAssertTrue(check(error), "unexpected error: \(error)", file: file, line: line)
        } catch {
            XCTFail("expected a TransportError, got \(error)", file: file, line: line)
        }
    }

    // MARK: 1-3 Server verification

    func testGetWithTheRightCAReturnsTheEcho() async throws {
        let server = try startServer()
        let transport = try makeTransport()
        let response = try await transport.send(HTTPRequest(url: server.url("/echo?x=1")))
        let echo = try decodeEcho(response)
        XCTAssertEqual(echo.method, "GET")
        XCTAssertEqual(echo.path, "/echo?x=1")
        XCTAssertEqual(echo.values(of: "User-Agent"), ["kvdeck-tests"])
        XCTAssertEqual(response.headers["content-type"], "application/json")
        XCTAssertEqual(response.httpVersion, "1.1")
        XCTAssertEqual(echo.client_subject, [:])
    }

    func testWrongCAFailsVerification() async throws {
        let server = try startServer()
        let transport = try makeTransport(TLSOptions(caPEM: pki.otherCAPEM))
        await assertTransportError({ _ = try await transport.send(HTTPRequest(url: server.url("/echo"))) }) {
            if case .tlsVerificationFailed(let host, _) = $0 { return host == "127.0.0.1" }
            return false
        }
    }

    func testInsecureSkipVerifyAcceptsAnUntrustedServer() async throws {
        let server = try startServer()
        let transport = try makeTransport(TLSOptions(caPEM: pki.otherCAPEM, insecureSkipVerify: true))
        let response = try await transport.send(HTTPRequest(url: server.url("/echo")))
        XCTAssertEqual(response.status, 200)
    }

    // MARK: 4-5 Client certificates

    func testClientCertificateIsPresentedWhenRequired() async throws {
        let server = try startServer(requireClientCertificate: true)
        let transport = try makeTransport(TLSOptions(caPEM: pki.caPEM, clientIdentity: pki.admin))
        let echo = try decodeEcho(try await transport.send(HTTPRequest(url: server.url("/echo"))))
        XCTAssertEqual(echo.client_subject["commonName"], ["test-admin"])
        XCTAssertEqual(echo.client_subject["organizationName"], ["system:masters"])
    }

    func testMissingClientCertificateIsAnError() async throws {
        let server = try startServer(requireClientCertificate: true)
        let transport = try makeTransport()
        do {
            let response = try await transport.send(HTTPRequest(url: server.url("/echo")))
            XCTFail("expected a failure without a client certificate, got status \(response.status)")
        } catch {
            XCTAssertTrue(error is TransportError, "unexpected error type: \(error)")
        }
    }

    func testPerRequestClientIdentityOverridesTheTransports() async throws {
        let server = try startServer(requireClientCertificate: true)
        let transport = try makeTransport(TLSOptions(caPEM: pki.caPEM, clientIdentity: pki.admin))
        // First the default identity, so a pooled connection exists that must not be reused.
        let first = try decodeEcho(try await transport.send(HTTPRequest(url: server.url("/echo"))))
        XCTAssertEqual(first.client_subject["commonName"], ["test-admin"])
        let second = try decodeEcho(try await transport.send(
            HTTPRequest(url: server.url("/echo"), clientIdentity: pki.viewer)))
        XCTAssertEqual(second.client_subject["commonName"], ["test-viewer"])
        XCTAssertEqual(second.client_subject["organizationName"], ["viewers"])
    }

    // MARK: 6 Headers

    func testBearerTokenAndRepeatedImpersonationHeadersArrive() async throws {
        let server = try startServer()
        let transport = try makeTransport()
        let request = HTTPRequest(url: server.url("/echo"), headers: [
            (name: "Authorization", value: "Bearer s3cret-token"),
            (name: "Impersonate-User", value: "jane"),
            (name: "Impersonate-Group", value: "developers"),
            (name: "Impersonate-Group", value: "system:authenticated"),
        ])
        let echo = try decodeEcho(try await transport.send(request))
        XCTAssertEqual(echo.values(of: "Authorization"), ["Bearer s3cret-token"])
        XCTAssertEqual(echo.values(of: "Impersonate-User"), ["jane"])
        XCTAssertEqual(echo.values(of: "Impersonate-Group"), ["developers", "system:authenticated"])
    }

    func testHeaderValueWithLineBreakIsRejectedWithoutEchoingIt() async throws {
        let transport = try makeTransport()
        await assertTransportError({
            _ = try await transport.send(HTTPRequest(url: URL(string: "https://127.0.0.1:1/")!,
                                                     headers: [(name: "Authorization", value: "Bearer abc\r\nX: y")]))
        }) {
            guard case .invalidRequest(let detail) = $0 else { return false }
            return !detail.contains("abc")
        }
    }

    // MARK: 7 Server name

    func testServerNameIsCheckedAgainstTheCertificate() async throws {
        let server = try startServer()
        let transport = try makeTransport(TLSOptions(caPEM: pki.caPEM, serverName: "kube.test"))
        let echo = try decodeEcho(try await transport.send(HTTPRequest(url: server.url("/echo"))))
        // The TCP connection went to 127.0.0.1, and the Host header still names it.
        XCTAssertEqual(echo.values(of: "Host"), ["127.0.0.1:\(server.port)"])

        let mismatched = try makeTransport(TLSOptions(caPEM: pki.caPEM, serverName: "other.test"))
        await assertTransportError({ _ = try await mismatched.send(HTTPRequest(url: server.url("/echo"))) }) {
            if case .tlsVerificationFailed(let host, _) = $0 { return host == "127.0.0.1" }
            return false
        }
    }

    // MARK: 8 Bodies

    func testBodiesAreEchoedByteForByte() async throws {
        let server = try startServer()
        let transport = try makeTransport()
        let text = Data("{\"name\":\"größe-日本-✓\"}".utf8)
        var large = Data(count: 1 << 20)
        for index in large.indices { large[index] = UInt8(truncatingIfNeeded: index &* 31 &+ 7) }
        let binary = Data([0, 1, 0, 255, 13, 10, 0])
        for (method, body) in [("POST", text), ("PUT", large), ("PATCH", binary), ("POST", large), ("DELETE", text)] {
            let request = HTTPRequest(method: method, url: server.url("/echo"),
                                      headers: [(name: "Content-Type", value: "application/json")], body: body)
            let echo = try decodeEcho(try await transport.send(request))
            XCTAssertEqual(echo.method, method)
            XCTAssertEqual(echo.bodyData, body, "\(method) body of \(body.count) bytes changed")
            XCTAssertEqual(echo.values(of: "Content-Type"), ["application/json"])
            XCTAssertEqual(echo.values(of: "Expect"), [])
        }
    }

    func testPostWithoutBodySendsAnEmptyOne() async throws {
        let server = try startServer()
        let transport = try makeTransport()
        let echo = try decodeEcho(try await transport.send(HTTPRequest(method: "POST", url: server.url("/echo"))))
        XCTAssertEqual(echo.method, "POST")
        XCTAssertEqual(echo.values(of: "Content-Length"), ["0"])
        XCTAssertEqual(echo.values(of: "Content-Type"), [], "no invented form content type")
    }

    func testHeadAndDeleteWithoutBody() async throws {
        let server = try startServer()
        let transport = try makeTransport()
        let head = try await transport.send(HTTPRequest(method: "HEAD", url: server.url("/echo")))
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.body, Data())
        let delete = try decodeEcho(try await transport.send(HTTPRequest(method: "DELETE", url: server.url("/echo"))))
        XCTAssertEqual(delete.method, "DELETE")
        XCTAssertEqual(delete.bodyData, Data())
    }

    // MARK: 9 Streaming

    func testStoppingIterationDisconnectsTheStream() async throws {
        let server = try startServer()
        let transport = try makeTransport()
        try await readThreeLines(transport: transport, server: server)
        let stats = try await waitForStats(transport, server) { $0["stream_disconnects"] == 1 }
        XCTAssertEqual(stats["streams_started"], 1)
        XCTAssertEqual(stats["stream_disconnects"], 1, "the server never saw the client go away")
    }

    /// In its own function so that the response and its body stream are released when it returns.
    private func readThreeLines(transport: CurlTransport, server: TestHTTPSServer) async throws {
        let response = try await transport.stream(HTTPRequest(url: server.url("/stream")))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers["transfer-encoding"], "chunked")
        var text = ""
        for try await chunk in response.body {
            text += String(decoding: chunk, as: UTF8.self)
            if text.filter({ $0 == "\n" }).count >= 3 { break }
        }
        XCTAssertTrue(text.hasPrefix("line 0\nline 1\nline 2\n"), "got \(text)")
    }

    func testCancellingTheConsumingTaskDisconnectsTheStream() async throws {
        let server = try startServer()
        let transport = try makeTransport()
        let response = try await transport.stream(HTTPRequest(url: server.url("/stream")))
        let consumer = Task {
            var lines = 0
            for try await chunk in response.body {
                lines += chunk.filter { $0 == UInt8(ascii: "\n") }.count
            }
            return lines
        }
        _ = try await waitForStats(transport, server) { $0["streams_started"] == 1 }
        consumer.cancel()
        do {
            _ = try await consumer.value
            XCTFail("a cancelled consumer should see an error")
        } catch {
            XCTAssertEqual(error as? TransportError, .cancelled)
        }
        let stats = try await waitForStats(transport, server) { $0["stream_disconnects"] == 1 }
        XCTAssertEqual(stats["stream_disconnects"], 1)
    }

    func testLargeStreamArrivesIntactThroughPauses() async throws {
        let server = try startServer()
        let transport = try makeTransport()
        let size = 24 << 20
        let response = try await transport.stream(HTTPRequest(url: server.url("/bulk?bytes=\(size)")))
        var received = 0
        var mismatch: Int?
        var first = true
        for try await chunk in response.body {
            if first {
                // Let the server run ahead of us so the buffer fills and the transfer pauses.
                first = false
                try await Task.sleep(for: .milliseconds(300))
            }
            for (offset, byte) in chunk.enumerated() where mismatch == nil && byte != UInt8(truncatingIfNeeded: received + offset) {
                mismatch = received + offset
            }
            received += chunk.count
        }
        XCTAssertEqual(received, size)
        XCTAssertNil(mismatch, "byte \(mismatch ?? -1) is wrong")
        // 24 MiB against a 4 MiB buffer with a consumer that sat idle: the transfer was paused
        // and resumed at least once.
        XCTAssertGreaterThan(transport.streamResumeCount, 0)
    }

    // MARK: 10 Concurrency

    func testSixtyFourConcurrentSendsShareOneLoopThread() async throws {
        let server = try startServer()
        let namedBefore = Self.threadsNamed(CurlMultiLoop.threadName)
        let transport = try makeTransport()
        let statuses = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for index in 0..<64 {
                group.addTask {
                    let response = try await transport.send(HTTPRequest(url: server.url("/echo?n=\(index)")))
                    let echo = try JSONDecoder().decode(Echo.self, from: response.body)
                    return (response.status, echo.path)
                }
            }
            var results: [(Int, String)] = []
            for try await result in group { results.append(result) }
            return results
        }
        XCTAssertEqual(statuses.count, 64)
        XCTAssertTrue(statuses.allSatisfy { $0.0 == 200 })
        XCTAssertEqual(Set(statuses.map(\.1)).count, 64, "each request got its own answer")
        // What this proves: the transport started one loop thread, and the process has exactly one
        // more thread with the loop's name than before; not which thread ran each callback.
        // Loop threads of transports from earlier tests may still be ending while this one runs,
        // so the process-wide counts are compared as bounds: never more than one new loop thread
        // for 64 requests, and none of ours left after shutdown.
        XCTAssertEqual(transport.loopThreadCount, 1)
        XCTAssertLessThanOrEqual(Self.threadsNamed(CurlMultiLoop.threadName) - namedBefore, 1)
        transport.shutdown()
        // shutdown() returns once the loop has finished; the thread itself ends just after.
        var namedAfter = Self.threadsNamed(CurlMultiLoop.threadName)
        for _ in 0..<250 where namedAfter > namedBefore {
            try await Task.sleep(for: .milliseconds(20))
            namedAfter = Self.threadsNamed(CurlMultiLoop.threadName)
        }
        XCTAssertLessThanOrEqual(namedAfter, namedBefore, "the loop thread did not stop")
    }

    /// Threads of this process whose name is `name` (Linux /proc; -1 elsewhere).
    private static func threadsNamed(_ name: String) -> Int {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") else { return -1 }
        return tasks.filter { task in
            let comm = (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)) ?? ""
            return comm.trimmingCharacters(in: .whitespacesAndNewlines) == name
        }.count
    }

    // MARK: 11 Timeouts and cancellation

    func testRequestTimeoutIsReported() async throws {
        let server = try startServer()
        let transport = try makeTransport()
        await assertTransportError({
            _ = try await transport.send(HTTPRequest(url: server.url("/hang"), timeout: .seconds(1)))
        }) {
            if case .timedOut(let url, let after) = $0 {
                return url == "https://127.0.0.1:\(server.port)/hang" && after == .seconds(1)
            }
            return false
        }
    }

    func testCancellingAPendingSendThrowsCancelled() async throws {
        let server = try startServer()
        let transport = try makeTransport()
        let pending = Task { try await transport.send(HTTPRequest(url: server.url("/hang"))) }
        let seen = try await waitForStats(transport, server) { $0["hangs_started"] == 1 }
        XCTAssertEqual(seen["hangs_started"], 1)
        pending.cancel()
        do {
            _ = try await pending.value
            XCTFail("a cancelled send should throw")
        } catch {
            XCTAssertEqual(error as? TransportError, .cancelled)
        }
    }

    func testShutdownFailsRequestsInFlightAndLaterOnes() async throws {
        let server = try startServer()
        let transport = try makeTransport()
        let pending = Task { try await transport.send(HTTPRequest(url: server.url("/hang"))) }
        _ = try await waitForStats(transport, server) { $0["hangs_started"] == 1 }
        transport.shutdown()
        await assertTransportError({ _ = try await pending.value }) { $0 == .cancelled }
        await assertTransportError({ _ = try await transport.send(HTTPRequest(url: server.url("/echo"))) }) { $0 == .cancelled }
    }

    // MARK: 12 Connection failures and invalid input

    func testClosedPortIsConnectFailed() async throws {
        let server = try startServer()
        let closedPort = server.port
        server.stop()
        let transport = try makeTransport()
        await assertTransportError({
            _ = try await transport.send(HTTPRequest(url: URL(string: "https://127.0.0.1:\(closedPort)/echo")!))
        }) {
            if case .connectFailed(let host, _) = $0 { return host == "127.0.0.1" }
            return false
        }
    }

    // MARK: Proxy

    func testRequestsGoThroughTheConfiguredProxy() async throws {
        let server = try startServer()
        let proxy = URL(string: "http://127.0.0.1:\(server.proxyPort)")!
        let transport = try CurlTransport(options: TransportOptions(tls: TLSOptions(caPEM: pki.caPEM), proxyURL: proxy))
        transports.append(transport)
        let response = try await transport.send(HTTPRequest(url: server.url("/echo")))
        // The proxy's "200 Connection established" and its headers are not the response.
        XCTAssertEqual(response.status, 200)
        XCTAssertNil(response.headers["x-proxy"])
        XCTAssertEqual(response.headers["content-type"], "application/json")
        let streamed = try await transport.stream(HTTPRequest(url: server.url("/echo")))
        XCTAssertEqual(streamed.status, 200)
        XCTAssertNil(streamed.headers["x-proxy"])
        let stats = try await self.stats(transport, server)
        XCTAssertGreaterThanOrEqual(stats["proxy_connects"] ?? 0, 1)
    }

    func testProxyEnvironmentVariablesAreIgnored() async throws {
        let server = try startServer()
        let names = ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
        for name in names { setenv(name, "http://127.0.0.1:\(server.proxyPort)", 1) }
        defer { for name in names { unsetenv(name) } }
        let transport = try makeTransport()
        let response = try await transport.send(HTTPRequest(url: server.url("/echo")))
        XCTAssertEqual(response.status, 200)
        let stats = try await stats(transport, server)
        XCTAssertEqual(stats["proxy_connects"], 0)
    }

    func testUnreachableProxyIsProxyFailed() async throws {
        let server = try startServer()
        let closed = try TestHTTPSServer(pki: pki)
        let closedPort = closed.port
        closed.stop()
        let transport = try CurlTransport(options: TransportOptions(
            tls: TLSOptions(caPEM: pki.caPEM), proxyURL: URL(string: "http://127.0.0.1:\(closedPort)")!))
        transports.append(transport)
        await assertTransportError({ _ = try await transport.send(HTTPRequest(url: server.url("/echo"))) }) {
            if case .proxyFailed = $0 { return true }
            return false
        }
    }

    func testUnsupportedProxySchemeIsRejected() throws {
        XCTAssertThrowsError(try CurlTransport(options: TransportOptions(proxyURL: URL(string: "ftp://proxy:21")!))) {
            guard case .invalidRequest = $0 as? TransportError else { return XCTFail("unexpected error \($0)") }
        }
        XCTAssertNoThrow(try CurlTransport(options: TransportOptions(proxyURL: URL(string: "socks5://127.0.0.1:1080")!)).shutdown())
    }
}
