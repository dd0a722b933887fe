import XCTest
import YAML
@testable import Kube

final class WatchTests: XCTestCase {
    private func collect<T>(_ stream: AsyncThrowingStream<WatchEvent<T>, Error>) async throws -> [WatchEvent<T>] {
        var events: [WatchEvent<T>] = []
        for try await event in stream { events.append(event) }
        return events
    }

    func testBookmarkWatchReassembledFromSevenByteChunks() async throws {
        let file = "06-watch/pods.watch.bookmarks.timeout-20.jsonl"
        let transport = RecordedTransport([try .fixture(file, chunkSize: 7)])
        let events = try await collect(makeClient(transport).watch(
            TestPod.self, namespace: "fixtures", resourceVersion: "2093", allowBookmarks: true, timeoutSeconds: 20))
        let lines = String(decoding: try RecordedFixtures.data(file), as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(events.count, lines.count)
        var kinds: [String: Int] = [:]
        for event in events {
            switch event {
            case .added: kinds["added", default: 0] += 1
            case .modified: kinds["modified", default: 0] += 1
            case .deleted: kinds["deleted", default: 0] += 1
            case .bookmark: kinds["bookmark", default: 0] += 1
            case .error: kinds["error", default: 0] += 1
            }
        }
        XCTAssertEqual(kinds["bookmark"], 2)
        XCTAssertGreaterThan(kinds["added"] ?? 0, 0)
        XCTAssertGreaterThan(kinds["deleted"] ?? 0, 0)
        XCTAssertNil(kinds["error"])
        guard case let .bookmark(lastVersion)? = events.last else { return XCTFail("the stream ends with a bookmark") }
        XCTAssertFalse(lastVersion.isEmpty)
    }

    func testInStreamExpiredErrorBecomesAnErrorEvent() async throws {
        let transport = RecordedTransport([try .fixture("06-watch/pods.watch.resourceVersion-1.410-expired.jsonl", chunkSize: 5)])
        let events = try await collect(makeClient(transport).watch(
            TestPod.self, namespace: "fixtures", resourceVersion: "1", allowBookmarks: false, timeoutSeconds: 20))
        guard events.count == 1, case let .error(status) = events[0] else { return XCTFail("one ERROR event, got \(events)") }
        XCTAssertEqual(status.code, 410)
        XCTAssertTrue(status.isExpired)
        XCTAssertTrue(status.message.contains("too old resource version"))
    }

    func testHTTP410ListIsExpired() async throws {
        let transport = RecordedTransport([try .fixture("06-watch/pods.list.resourceVersion-1.Exact.410.json")])
        do {
            _ = try await makeClient(transport).list(TestPod.self, namespace: "fixtures", resourceVersion: "1", resourceVersionMatch: .exact)
            XCTFail("expected 410")
        } catch let error as KubeAPIError {
            XCTAssertTrue(error.isExpired)
            XCTAssertEqual(error.code, 410)
        }
    }

    func testUnstructuredWatchOfDeploymentsDuringRestart() async throws {
        let transport = RecordedTransport([try .fixture("06-watch/deployments.watch.rollout-restart.jsonl", chunkSize: 13)])
        let deployments = ResourceType(group: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespaced: true)
        let events = try await collect(makeClient(transport).watch(deployments, namespace: "fixtures", options: WatchOptions(
            resourceVersion: "2144", allowBookmarks: true, timeoutSeconds: 15)))
        XCTAssertFalse(events.isEmpty)
        var modified = 0
        for event in events {
            if case let .modified(object) = event {
                modified += 1
                XCTAssertEqual(object.value(at: "metadata", "name"), .string("vllm-qwen"))
            }
        }
        XCTAssertGreaterThan(modified, 0)
    }

    func testLineSplitterJoinsSplitsAndBoundsLength() throws {
        var splitter = LineSplitter(maxLineLength: 16, overflow: .fail, context: "test")
        XCTAssertEqual(try splitter.append(Data("ab".utf8)), [])
        XCTAssertEqual(try splitter.append(Data("c\r\nde\nf".utf8)).map { String(decoding: $0, as: UTF8.self) }, ["abc", "de"])
        XCTAssertEqual(splitter.finish().map { String(decoding: $0, as: UTF8.self) }, "f")
        XCTAssertThrowsError(try splitter.append(Data(repeating: 65, count: 17))) { error in
            XCTAssertEqual(error as? KubeClientError, .lineTooLong(limit: 16, context: "test"))
        }
    }

    func testTruncatedFinalEventIsAnErrorNotACrash() async throws {
        let transport = RecordedTransport([.init(
            expect: .init(method: "GET", path: "/api/v1/namespaces/fixtures/pods", query: nil),
            reply: .stream(status: 200, headers: [:], chunks: [Data(#"{"type":"ADDED","object":{"metad"#.utf8)], failure: nil))])
        do {
            _ = try await collect(makeClient(transport).watch(TestPod.self, namespace: "fixtures", resourceVersion: "5"))
            XCTFail("expected a decoding error")
        } catch let error as KubeClientError {
            guard case .undecodableResponse = error else { return XCTFail("\(error)") }
        }
    }
}
