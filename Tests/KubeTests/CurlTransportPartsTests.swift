import CCurl
import Foundation
import XCTest
@testable import Kube

/// The transport's pure parts, without a network.
final class CurlTransportPartsTests: XCTestCase {
    // MARK: ResponseHeadParser

    private func parse(_ lines: [String]) -> (ResponseHead?, ResponseHeadParser) {
        var parser = ResponseHeadParser()
        var completed: ResponseHead?
        for line in lines {
            if case .completedFinalHead(let head) = parser.consume(line: line[...]) { completed = head }
        }
        return (completed, parser)
    }

    func testHeadSkipsInterimResponsesAndFoldsRepeats() {
        let (head, _) = parse([
            "HTTP/1.1 100 Continue\r\n", "\r\n",
            "HTTP/1.1 103 Early Hints\r\n", "Link: </a>\r\n", "\r\n",
            "HTTP/1.1 201 Created\r\n", "Content-Type: application/json\r\n",
            "Warning: 299 - \"one\"\r\n", "warning:   299 - \"two\"  \r\n", "\r\n",
        ])
        XCTAssertEqual(head, ResponseHead(status: 201, headers: [
            "content-type": "application/json",
            "warning": "299 - \"one\", 299 - \"two\"",
        ], httpVersion: "1.1"))
    }

    func testHeadReadsHTTP2StatusLinesAndIgnoresTrailers() {
        let (head, parser) = parse(["HTTP/2 200 \r\n", "audit-id: abc\r\n", "\r\n", "grpc-status: 0\r\n", "\r\n"])
        XCTAssertEqual(head?.status, 200)
        XCTAssertEqual(head?.httpVersion, "2")
        XCTAssertEqual(parser.finalHead?.headers, ["audit-id": "abc"])
    }

    func testHeadWithoutBlankLineIsStillAvailable() {
        let (head, parser) = parse(["HTTP/1.0 404 Not Found\r\n", "Server: x\r\n"])
        XCTAssertNil(head)
        XCTAssertEqual(parser.partialHead?.status, 404)
        XCTAssertEqual(parser.partialHead?.httpVersion, "1.0")
    }

    // MARK: StreamBodyBuffer

    private final class Calls: @unchecked Sendable {
        private let lock = NSLock()
        private var resumes = 0
        private var cancels = 0
        func resume() { lock.withLock { resumes += 1 } }
        func cancel() { lock.withLock { cancels += 1 } }
        var counts: (resumes: Int, cancels: Int) { lock.withLock { (resumes, cancels) } }
    }

    func testBufferPausesAtHighWaterAndResumesBelowLowWater() async throws {
        let buffer = StreamBodyBuffer(highWater: 10, lowWater: 4)
        let calls = Calls()
        buffer.attach(resume: { calls.resume() }, cancel: { calls.cancel() })
        XCTAssertEqual(buffer.append(Data(repeating: 1, count: 6)), .accepted)
        XCTAssertEqual(buffer.append(Data(repeating: 2, count: 6)), .accepted)
        XCTAssertEqual(buffer.append(Data(repeating: 3, count: 6)), .refusedPause)
        XCTAssertTrue(buffer.isPaused)
        XCTAssertEqual(buffer.unreadByteCount, 12)
        let first = try await buffer.next()
        XCTAssertEqual(first, Data(repeating: 1, count: 6))
        XCTAssertEqual(calls.counts.resumes, 0, "6 unread bytes are above the low-water mark")
        let second = try await buffer.next()
        XCTAssertEqual(second, Data(repeating: 2, count: 6))
        XCTAssertEqual(calls.counts.resumes, 1)
        XCTAssertFalse(buffer.isPaused)
        XCTAssertEqual(buffer.append(Data(repeating: 3, count: 6)), .accepted, "the refused bytes are offered again")
        buffer.finish(nil)
        let third = try await buffer.next()
        XCTAssertEqual(third, Data(repeating: 3, count: 6))
        let end = try await buffer.next()
        XCTAssertNil(end)
        XCTAssertEqual(calls.counts.cancels, 0)
    }

    func testBufferReportsAnErrorOnceAfterTheData() async throws {
        let buffer = StreamBodyBuffer()
        XCTAssertEqual(buffer.append(Data("a".utf8)), .accepted)
        buffer.finish(TransportError.connectFailed(host: "h", detail: "reset"))
        let data = try await buffer.next()
        XCTAssertEqual(data, Data("a".utf8))
        do {
            _ = try await buffer.next()
            XCTFail("expected the error")
        } catch {
            XCTAssertEqual(error as? TransportError, .connectFailed(host: "h", detail: "reset"))
        }
        let after = try await buffer.next()
        XCTAssertNil(after)
    }

    func testBufferHandsDataToAWaitingConsumer() async throws {
        let buffer = StreamBodyBuffer()
        let reader = Task { try await buffer.next() }
        // Whether the reader is already waiting or not, it must get exactly this chunk.
        XCTAssertEqual(buffer.append(Data("x".utf8)), .accepted)
        let value = try await reader.value
        XCTAssertEqual(value, Data("x".utf8))
    }

    func testConsumerLeavingCancelsTheTransferAndRefusesData() async throws {
        let buffer = StreamBodyBuffer()
        let calls = Calls()
        buffer.attach(resume: { calls.resume() }, cancel: { calls.cancel() })
        XCTAssertEqual(buffer.append(Data("x".utf8)), .accepted)
        buffer.consumerFinished()
        buffer.consumerFinished()
        XCTAssertEqual(calls.counts.cancels, 1)
        XCTAssertEqual(buffer.unreadByteCount, 0)
        XCTAssertEqual(buffer.append(Data("y".utf8)), .refusedConsumerGone)
    }

    func testCancellingAWaitingConsumerThrowsCancelled() async throws {
        let buffer = StreamBodyBuffer()
        let calls = Calls()
        buffer.attach(resume: { calls.resume() }, cancel: { calls.cancel() })
        let reader = Task { try await buffer.next() }
        reader.cancel()
        do {
            _ = try await reader.value
            XCTFail("expected cancellation")
        } catch {
            XCTAssertEqual(error as? TransportError, .cancelled)
        }
        XCTAssertEqual(calls.counts.cancels, 1)
    }

    // MARK: ServerNameRoute

    func testStallNudgeWaitsASecondThenDoublesUpToEightAndRestartsOnProgress() {
        let start = ContinuousClock.now
        var nudge = StallNudge(now: start)
        XCTAssertFalse(nudge.isDue(at: start + .milliseconds(999)))
        XCTAssertTrue(nudge.isDue(at: start + .seconds(1)))
        // Quiet for good: nudged after 1, then 2, 4, 8 and 8 more seconds.
        var now = start + .seconds(1)
        var gaps: [Duration] = []
        for _ in 0..<5 {
            nudge.nudged(at: now)
            gaps.append(nudge.due - now)
            now = nudge.due
        }
        XCTAssertEqual(gaps, [.seconds(2), .seconds(4), .seconds(8), .seconds(8), .seconds(8)])
        // Progress puts the first nudge a second away again.
        nudge.progressed(at: now)
        XCTAssertFalse(nudge.isDue(at: now + .milliseconds(500)))
        XCTAssertEqual(nudge.due - now, .seconds(1))
    }

    func testServerNameRouteRewritesHostAndConnectsToTheRealOne() throws {
        let route = try ServerNameRoute.make(url: URL(string: "https://10.0.0.5:6443/api/v1/pods?watch=1")!, serverName: "kubernetes.default")
        XCTAssertEqual(route, ServerNameRoute(url: "https://kubernetes.default:6443/api/v1/pods?watch=1",
                                              connectTo: "kubernetes.default:6443:10.0.0.5:6443",
                                              hostHeader: "10.0.0.5:6443"))
        let defaultPort = try ServerNameRoute.make(url: URL(string: "https://api.example.com/")!, serverName: "internal")
        XCTAssertEqual(defaultPort?.connectTo, "internal:443:api.example.com:443")
        XCTAssertEqual(defaultPort?.hostHeader, "api.example.com")
        let ipv6 = try ServerNameRoute.make(url: URL(string: "https://[::1]:6443/")!, serverName: "kube.test")
        XCTAssertEqual(ipv6?.connectTo, "kube.test:6443:[::1]:6443")
    }

    func testServerNameRouteIsSkippedOrRejected() throws {
        XCTAssertNil(try ServerNameRoute.make(url: URL(string: "https://kube.test:6443/")!, serverName: "KUBE.test"))
        XCTAssertNil(try ServerNameRoute.make(url: URL(string: "https://kube.test:6443/")!, serverName: nil))
        XCTAssertThrowsError(try ServerNameRoute.make(url: URL(string: "https://1.2.3.4/")!, serverName: "evil:1:other"))
    }

    // MARK: Error mapping and durations

    func testResultCodesMapToTransportErrors() {
        let target = CurlTransfer.Target(host: "10.0.0.5", redactedURL: "https://10.0.0.5:6443/api",
                                         timeout: .seconds(5), connectTimeout: .seconds(2), proxyAuthority: "proxy port 3128")
        func map(_ code: CURLcode, _ detail: String = "") -> TransportError {
            CurlErrorMapping.error(for: code, detail: detail, target: target)
        }
        XCTAssertEqual(map(CURLE_COULDNT_CONNECT, "Failed to connect to 10.0.0.5 port 6443"),
                       .connectFailed(host: "10.0.0.5", detail: "Failed to connect to 10.0.0.5 port 6443"))
        XCTAssertEqual(map(CURLE_COULDNT_CONNECT, "Failed to connect to proxy port 3128 after 1 ms"),
                       .proxyFailed(detail: "Failed to connect to proxy port 3128 after 1 ms"))
        XCTAssertEqual(map(CURLE_OPERATION_TIMEDOUT, "Operation timed out after 5000 milliseconds"),
                       .timedOut(url: "https://10.0.0.5:6443/api", after: .seconds(5)))
        XCTAssertEqual(map(CURLE_OPERATION_TIMEDOUT, "Connection timed out after 2001 milliseconds"),
                       .timedOut(url: "https://10.0.0.5:6443/api", after: .seconds(2)))
        XCTAssertEqual(map(CURLE_PEER_FAILED_VERIFICATION, "x"), .tlsVerificationFailed(host: "10.0.0.5", detail: "x"))
        XCTAssertEqual(map(CURLE_SSL_CONNECT_ERROR, "y"), .tlsHandshakeFailed(host: "10.0.0.5", detail: "y"))
        XCTAssertEqual(map(CURLE_RECV_ERROR, "OpenSSL SSL_read: tlsv13 alert certificate required"),
                       .tlsHandshakeFailed(host: "10.0.0.5", detail: "OpenSSL SSL_read: tlsv13 alert certificate required"))
        XCTAssertEqual(map(CURLE_RECV_ERROR, "Connection reset by peer"), .other(code: 56, detail: "Connection reset by peer"))
        XCTAssertEqual(map(CURLE_PROXY, "z"), .proxyFailed(detail: "z"))
        XCTAssertEqual(map(CURLE_ABORTED_BY_CALLBACK), .cancelled)
        if case .other(let code, let detail) = map(CURLE_GOT_NOTHING) {
            XCTAssertEqual(code, 52)
            XCTAssertFalse(detail.isEmpty, "libcurl's text stands in for an empty error buffer")
        } else {
            XCTFail("52 should map to .other")
        }
    }

    func testDurationsBecomePositiveMilliseconds() {
        XCTAssertEqual(Duration.seconds(1).curlMilliseconds, 1000)
        XCTAssertEqual(Duration.milliseconds(1500).curlMilliseconds, 1500)
        XCTAssertEqual(Duration.zero.curlMilliseconds, 1, "0 would mean no limit to libcurl")
        XCTAssertEqual(Duration.seconds(1_000_000_000).curlMilliseconds, Int(Int32.max))
    }

    func testRedactedURLDropsQueryAndUserInfo() {
        XCTAssertEqual(CurlRequestSetup.redacted(URL(string: "https://u:p@10.0.0.5:6443/api/v1?token=abc")!),
                       "https://10.0.0.5:6443/api/v1")
    }
}
