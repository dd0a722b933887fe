import Foundation
import KvdeckTestSupport
import XCTest
@testable import Kube

/// HTTP/2 against nghttpd. Skipped when nghttpd (Debian: nghttp2-server) is not installed,
/// because Python's standard library cannot serve HTTP/2.
final class CurlTransportHTTP2Tests: XCTestCase {
    private var pki: TestPKI!
    private var server: TestHTTP2Server?
    private var transport: CurlTransport?

    override func setUpWithError() throws {
        try XCTSkipIf(TestHTTP2Server.executable == nil, "nghttpd is not installed (apt-get install nghttp2-server)")
        pki = try TestPKI.make()
    }

    override func tearDown() {
        transport?.shutdown()
        server?.stop()
        pki?.remove()
    }

    private static func pattern(_ size: Int, seed: Int) -> Data {
        Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ seed) })
    }

    func testConcurrentRequestsNegotiateHTTP2() async throws {
        let small = Self.pattern(200_000, seed: 1)
        let server = try TestHTTP2Server(pki: pki, files: ["small": small])
        self.server = server
        let transport = try CurlTransport(options: TransportOptions(tls: TLSOptions(caPEM: pki.caPEM)))
        self.transport = transport
        let url = server.url("/small")
        let responses = try await withThrowingTaskGroup(of: HTTPResponse.self) { group in
            for _ in 0..<32 { group.addTask { try await transport.send(HTTPRequest(url: url)) } }
            var all: [HTTPResponse] = []
            for try await response in group { all.append(response) }
            return all
        }
        XCTAssertEqual(responses.count, 32)
        for response in responses {
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.httpVersion, "2")
            XCTAssertEqual(response.body, small)
        }
    }

    func testPausedHTTP2StreamResumesIntact() async throws {
        let size = 16 << 20
        let large = Self.pattern(size, seed: 3)
        let server = try TestHTTP2Server(pki: pki, files: ["large": large])
        self.server = server
        let transport = try CurlTransport(options: TransportOptions(tls: TLSOptions(caPEM: pki.caPEM)))
        self.transport = transport
        let response = try await transport.stream(HTTPRequest(url: server.url("/large")))
        XCTAssertEqual(response.status, 200)
        var received = Data()
        received.reserveCapacity(size)
        for try await chunk in response.body {
            if received.isEmpty { try await Task.sleep(for: .milliseconds(300)) }
            received.append(chunk)
        }
        XCTAssertEqual(received.count, size)
        XCTAssertTrue(received == large, "the body changed on the way")
        XCTAssertGreaterThan(transport.streamResumeCount, 0)
    }
}
