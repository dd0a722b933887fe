import Foundation
import KvdeckTestSupport
import XCTest
import YAML
@testable import Kube

/// Lists read as they stream (`ListBodyScanner`, `ListBodyReader`, `KubeClient.list`): whatever
/// the chunking, the same items and metadata as one `JSONDecoder` call on the whole body.
final class ListStreamingTests: XCTestCase {
    /// What a whole-body decode gives: the reference for every chunking.
    private struct WholeList<Item: Decodable>: Decodable {
        var metadata: ListMeta?
        var items: [Item]?
    }

    private static var listFiles: [String] {
        let dir = SharedFixtures.realAPIServer.appendingPathComponent("05-lists")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().map { "05-lists/" + $0 }
    }

    /// Reads `body` cut into `chunkSize` pieces as the client does, decoding items with `decode`.
    private func streamed<Item: Sendable>(_ body: Data, chunkSize: Int, context: String = "test",
                                          decode: @escaping @Sendable (Data) throws -> Item) throws -> KubeList<Item> {
        var reader = ListBodyReader(context: context)
        var raw: [Data] = []
        for chunk in body.chunked(chunkSize) { raw += try reader.items(in: chunk) }
        let metadata = try reader.finish()
        return KubeList(metadata: metadata, items: try ListItemDecoding(context: context, decodeItem: decode).decode(raw, first: 0))
    }

    /// Items as unstructured JSON.
    private func streamed(_ body: Data, chunkSize: Int) throws -> KubeList<JSONValue> {
        try streamed(body, chunkSize: chunkSize) { try JSONValue(json: $0) }
    }

    private func streamedPods(_ body: Data, chunkSize: Int) throws -> KubeList<Pod> {
        try streamed(body, chunkSize: chunkSize) { try JSONDecoder().decode(Pod.self, from: $0) }
    }

    private func assertUndecodable(_ body: String, chunkSize: Int = 4096, _ fragment: String? = nil,
                                   file: StaticString = #filePath, line: UInt = #line) {
        do {
            let list = try streamed(Data(body.utf8), chunkSize: chunkSize)
            XCTFail("expected an error for \(body.prefix(80)), got \(list.items.count) items", file: file, line: line)
        } catch let error as KubeClientError {
            guard case let .undecodableResponse(context, detail) = error else {
                return XCTFail("unexpected \(error)", file: file, line: line)
            }
            XCTAssertEqual(context, "test", file: file, line: line)
            if let fragment {
                XCTAssertTrue(detail.contains(fragment), "\(detail) lacks \(fragment)", file: file, line: line)
            }
        } catch {
            XCTFail("expected KubeClientError, got \(error)", file: file, line: line)
        }
    }

    // MARK: - Recorded lists

    func testRecordedListsGiveTheSameItemsAndMetadataInAnyChunking() throws {
        var checked = 0
        for file in Self.listFiles {
            let body = try RecordedFixtures.data(file)
            let whole = try JSONDecoder().decode(WholeList<JSONValue>.self, from: body)
            guard whole.items != nil else { continue }  // a Status (410), not a list
            for chunkSize in [1, 7, 4096] {
                let list = try streamed(body, chunkSize: chunkSize)
                XCTAssertEqual(list.items, whole.items, "\(file) in chunks of \(chunkSize)")
                XCTAssertEqual(list.metadata, whole.metadata ?? ListMeta(), "\(file) in chunks of \(chunkSize)")
            }
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 15, "the recorded lists under 05-lists")
    }

    func testRecordedPodListDecodesToTheSameTypedPods() throws {
        for file in ["05-lists/pods.all-namespaces.json", "05-lists/pods.limit-2.page-1.json"] {
            let body = try RecordedFixtures.data(file)
            let whole = try JSONDecoder().decode(WholeList<Pod>.self, from: body)
            for chunkSize in [1, 7, 4096] {
                let list = try streamedPods(body, chunkSize: chunkSize)
                XCTAssertEqual(list.items, whole.items, "\(file) in chunks of \(chunkSize)")
                XCTAssertEqual(list.metadata, whole.metadata, "\(file) in chunks of \(chunkSize)")
            }
        }
    }

    // MARK: - Shapes

    func testStringsWithBracketsQuotesAndEscapedBackslashes() throws {
        let body = #"""
        { "kind" : "PodList", "apiVersion":"v1", "note": "]}{[\"", "n": -1.5e3, "ok": true,
          "metadata": {"resourceVersion": "7", "continue": "a]}\"\\"},
          "items": [
            {"metadata": {"name": "a]", "annotations": {"x": "}\\", "y": "\\\"]", "z": "\\\\"}}},
            {"metadata": {"name": "b}\"{", "annotations": {"q": "[[[", "u": "\u005d\\u005c"}}} ,
            "not an object but still an element ]}",
            42
          ] }
        """#
        let whole = try JSONDecoder().decode(WholeList<JSONValue>.self, from: Data(body.utf8))
        for chunkSize in [1, 2, 3, 7, 4096] {
            let list = try streamed(Data(body.utf8), chunkSize: chunkSize)
            XCTAssertEqual(list.items.count, 4)
            XCTAssertEqual(list.items, whole.items, "chunks of \(chunkSize)")
            XCTAssertEqual(list.metadata, ListMeta(resourceVersion: "7", continue: #"a]}"\"#))
            XCTAssertEqual(list.items[0]["metadata"]?["annotations"]?["z"], .string(#"\\"#))
            XCTAssertEqual(list.items[1]["metadata"]?["name"], .string(#"b}"{"#))
        }
    }

    func testEmptyNullAndMissingItems() throws {
        for body in [#"{"metadata":{"resourceVersion":"9"},"items":[]}"#,
                     #"{"metadata":{"resourceVersion":"9"},"items":null}"#,
                     #"{"metadata":{"resourceVersion":"9"},"items":[ ]}"#,
                     #"{"metadata":{"resourceVersion":"9"}}"#] {
            for chunkSize in [1, 4096] {
                let list = try streamed(Data(body.utf8), chunkSize: chunkSize)
                XCTAssertEqual(list.items, [], body)
                XCTAssertEqual(list.metadata.resourceVersion, "9", body)
            }
        }
        let bare = try streamed(Data("{}".utf8), chunkSize: 1)
        XCTAssertEqual(bare.items, [])
        XCTAssertEqual(bare.metadata, ListMeta())
    }

    func testItemsBeforeAndAfterMetadata() throws {
        let items = #""items":[{"metadata":{"name":"a","namespace":"n"}},{"metadata":{"name":"b","namespace":"n"}}]"#
        let meta = #""metadata":{"resourceVersion":"12","continue":"tok","remainingItemCount":3}"#
        for body in ["{\(items),\(meta),\"kind\":\"PodList\"}", "{\"kind\":\"PodList\",\(meta),\(items)}"] {
            for chunkSize in [1, 7] {
                let list = try streamedPods(Data(body.utf8), chunkSize: chunkSize)
                XCTAssertEqual(list.items.map(\.metadata.key), ["n/a", "n/b"])
                XCTAssertEqual(list.metadata, ListMeta(resourceVersion: "12", continue: "tok", remainingItemCount: 3))
            }
        }
    }

    func testKubeListFromBytesInHand() throws {
        let body = try RecordedFixtures.data("05-lists/pods.all-namespaces.json")
        let list = try KubeList<Pod>(listBody: body)
        XCTAssertEqual(list.items, try JSONDecoder().decode(WholeList<Pod>.self, from: body).items)
    }

    // MARK: - Broken bodies

    func testEveryTruncationIsAnError() throws {
        let body = #"{"kind":"PodList","metadata":{"resourceVersion":"1"},"items":[{"metadata":{"name":"a\"]"}},null]}"#
        XCTAssertEqual(try streamed(Data(body.utf8), chunkSize: 5).items.count, 2)
        for length in 0..<body.utf8.count {
            let cut = String(decoding: Array(body.utf8)[..<length], as: UTF8.self)
            assertUndecodable(cut, chunkSize: 3, length == 0 ? "empty" : "ends before the list is complete")
        }
        // A recorded list cut short, as a dropped connection leaves it.
        let recorded = try RecordedFixtures.data("05-lists/pods.all-namespaces.json")
        assertUndecodable(String(decoding: recorded.prefix(recorded.count / 2), as: UTF8.self), "ends before")
    }

    func testGarbageIsAnError() {
        assertUndecodable("not json", "expected a JSON object")
        assertUndecodable("[]", "expected a JSON object")
        assertUndecodable(#"{"items":{}}"#, "items is not a list")
        assertUndecodable(#"{"items":"x"}"#, "items is not a list")
        assertUndecodable(#"{"items":nul}"#, "items is not a list")
        assertUndecodable(#"{"items":nullx}"#, "items is not a list")
        assertUndecodable(#"{"items":[1 2]}"#, "expected ',' or ']'")
        assertUndecodable(#"{"items":[,]}"#, "expected an item")
        assertUndecodable(#"{"items":[]}}"#, "expected the end of the body")
        assertUndecodable(#"{"items":[]} x"#, "expected the end of the body")
        assertUndecodable(#"{"a" 1}"#, "expected ':'")
        assertUndecodable(#"{"a":1 "b":2}"#, "expected ',' or '}'")
        assertUndecodable(#"{,}"#, "expected a key")
        assertUndecodable(#"{"items":[{"a":1}, {"a":tru}]}"#, "items[1]")
        assertUndecodable(#"{"metadata":{"resourceVersion":5},"items":[]}"#, "metadata.resourceVersion")
        assertUndecodable("{\"items\":[\u{01}]}", "0x01")
    }

    func testTypedItemErrorsNameTheItemAndField() {
        let body = Data(#"{"items":[{"metadata":{"name":"a"}},{"metadata":{"name":7}}]}"#.utf8)
        XCTAssertThrowsError(try streamed(body, chunkSize: 5, context: "GET /api/v1/pods") {
            try JSONDecoder().decode(Pod.self, from: $0)
        }) {
            XCTAssertEqual("\($0)", "cannot read the server's answer to GET /api/v1/pods: items[1].metadata.name: expected String")
        }
    }

    func testAnOversizedItemIsRefusedWithoutHoldingIt() {
        var scanner = ListBodyScanner(context: "test", maxPartSize: 64)
        let item = "{\"a\":\"" + String(repeating: "x", count: 100) + "\"}"
        XCTAssertNoThrow(try scanner.append(Data(#"{"items":[{"a":1},"#.utf8)))
        XCTAssertThrowsError(try scanner.append(Data(item.utf8))) {
            XCTAssertTrue("\($0)".contains("item 1 is larger than 64 bytes"), "\($0)")
        }
    }

    // MARK: - The transport's body buffer

    /// A producer that stays ahead of the consumer never lets the queue run empty; taken chunks
    /// must still be let go, or a streamed list is held whole after all.
    func testStreamBufferLetsGoOfTakenChunksWhileTheProducerStaysAhead() async throws {
        let buffer = StreamBodyBuffer(highWater: 1 << 30, lowWater: 1 << 20)
        let chunk = Data(count: 16_384)
        XCTAssertEqual(buffer.append(chunk), .accepted)
        XCTAssertEqual(buffer.append(chunk), .accepted)
        for _ in 0..<1_000 {
            XCTAssertEqual(buffer.append(chunk), .accepted)
            _ = try await buffer.next()
            XCTAssertEqual(buffer.heldByteCount, buffer.unreadByteCount)
        }
        XCTAssertEqual(buffer.unreadByteCount, 2 * 16_384)
        buffer.finish(nil)
        _ = try await buffer.next()
        _ = try await buffer.next()
        let end = try await buffer.next()
        XCTAssertNil(end)
        XCTAssertEqual(buffer.heldByteCount, 0)
    }

    // MARK: - Through the client

    func testClientListStreamsTheBodyInChunks() async throws {
        let file = "05-lists/pods.all-namespaces.json"
        let transport = RecordedTransport([try .fixture(file, chunkSize: 7)])
        let list = try await makeClient(transport).list(Pod.self, namespace: nil, limit: 500)
        let whole = try JSONDecoder().decode(WholeList<Pod>.self, from: try RecordedFixtures.data(file))
        XCTAssertEqual(list.items, whole.items)
        XCTAssertEqual(list.metadata.resourceVersion, whole.metadata?.resourceVersion)
        XCTAssertEqual(transport.streamedRequestCount, 1, "a list is read as a stream")
        XCTAssertEqual(transport.requests.first?.timeout, TransportOptions().requestTimeout,
                       "a streamed list keeps the overall limit of a complete request")
    }

    func testClientListErrorStatusIsAnAPIError() async throws {
        let status = try RecordedFixtures.data("05-lists/pods.limit-2.expired-continue.410.json")
        let transport = RecordedTransport([.init(
            expect: .init(method: "GET", path: "/api/v1/pods", query: nil),
            reply: .stream(status: 410, headers: [:], chunks: status.chunked(7), failure: nil))])
        do {
            _ = try await makeClient(transport).list(Pod.self, namespace: nil)
            XCTFail("expected 410")
        } catch let error as KubeAPIError {
            XCTAssertTrue(error.isExpired)
        }
    }

    func testClientListCutShortIsAnError() async throws {
        let body = try RecordedFixtures.data("05-lists/pods.all-namespaces.json")
        let expect = RecordedTransport.Expectation(method: "GET", path: "/api/v1/pods", query: nil)
        let transport = RecordedTransport([
            .init(expect: expect, reply: .stream(status: 200, headers: [:], chunks: [body.prefix(body.count - 3)], failure: nil)),
            .init(expect: expect, reply: .stream(status: 200, headers: [:], chunks: [body.prefix(100)],
                                                 failure: TransportError.other(code: 18, detail: "transfer closed"))),
        ])
        let client = makeClient(transport)
        do {
            _ = try await client.list(Pod.self, namespace: nil)
            XCTFail("expected an error")
        } catch let error as KubeClientError {
            XCTAssertTrue("\(error)".contains("GET /api/v1/pods: the body ends before the list is complete"), "\(error)")
        }
        do {
            _ = try await client.list(Pod.self, namespace: nil)
            XCTFail("expected an error")
        } catch let error as TransportError {
            XCTAssertEqual(error, .other(code: 18, detail: "transfer closed"))
        }
    }

    func testClientListRetriesOnceAfterUnauthorized() async throws {
        let expect = RecordedTransport.Expectation(method: "GET", path: "/api/v1/namespaces/fixtures/pods", query: "")
        let transport = RecordedTransport([
            .init(expect: expect, reply: .stream(status: 401, headers: [:],
                                                 chunks: [try RecordedFixtures.data("07-errors/401-bad-token.json")], failure: nil)),
            .init(expect: expect, reply: .stream(status: 200, headers: [:],
                                                 chunks: try RecordedFixtures.data("05-lists/pods.limit-2.page-1.json").chunked(7),
                                                 failure: nil)),
        ])
        let credentials = CountingCredentials(refreshes: true)
        let list = try await makeClient(transport, credentials: credentials).list(Pod.self, namespace: "fixtures")
        XCTAssertEqual(list.items.count, 2)
        XCTAssertEqual(credentials.invalidated, 1)
        XCTAssertEqual(transport.requests.map { $0.header("Authorization") }, ["Bearer token-1", "Bearer token-2"])
    }

    func testClientListReportsProgressWhileAPageStreams() async throws {
        let item = #"{"metadata":{"name":"p","namespace":"n","annotations":{"pad":""# + String(repeating: "x", count: 200) + #""}}}"#
        let body = Data((#"{"metadata":{"resourceVersion":"3"},"items":["# + Array(repeating: item, count: 3_000).joined(separator: ",") + "]}").utf8)
        let transport = RecordedTransport([.init(expect: .init(method: "GET", path: "/api/v1/pods", query: nil),
                                                 reply: .stream(status: 200, headers: [:], chunks: body.chunked(4096), failure: nil))])
        let seen = Counts()
        let list = try await makeClient(transport).list(TestPod.self, namespace: nil, options: ListOptions()) { n in
            await seen.add(n)
        }
        XCTAssertEqual(list.items.count, 3_000)
        let reports = await seen.values
        XCTAssertGreaterThanOrEqual(reports.count, 2, "\(reports)")
        XCTAssertEqual(reports, reports.sorted(), "\(reports)")
        XCTAssertEqual(Set(reports).count, reports.count, "\(reports)")
        XCTAssertTrue(reports.allSatisfy { $0 >= 500 && $0 <= 3_000 }, "\(reports)")
        XCTAssertLessThan(reports.first ?? .max, 3_000, "progress comes before the end")
    }

    func testClientListKeepsOrderAcrossDecodingBatches() async throws {
        let items = (0..<5_000).map { #"{"metadata":{"name":"p\#($0)","namespace":"n","annotations":{"pad":""# + String(repeating: "x", count: 200) + #""}}}"# }
        let body = Data((#"{"metadata":{"resourceVersion":"4"},"items":["# + items.joined(separator: ",") + "]}").utf8)
        let transport = RecordedTransport([.init(expect: .init(method: "GET", path: "/api/v1/pods", query: nil),
                                                 reply: .stream(status: 200, headers: [:], chunks: body.chunked(16_384), failure: nil))])
        let list = try await makeClient(transport).list(TestPod.self, namespace: nil, options: ListOptions())
        XCTAssertEqual(list.items.map(\.metadata.name), (0..<5_000).map { "p\($0)" })
        XCTAssertEqual(list.metadata.resourceVersion, "4")
    }

    func testClientListNamesABadItemLateInALargeList() async throws {
        var items = (0..<3_000).map { #"{"metadata":{"name":"p\#($0)","namespace":"n"}}"# }
        items[2_345] = #"{"metadata":{"name":["not","a","name"]}}"#
        let body = Data((#"{"items":["# + items.joined(separator: ",") + "]}").utf8)
        let transport = RecordedTransport([.init(expect: .init(method: "GET", path: "/api/v1/pods", query: nil),
                                                 reply: .stream(status: 200, headers: [:], chunks: body.chunked(4_096), failure: nil))])
        do {
            _ = try await makeClient(transport).list(TestPod.self, namespace: nil, options: ListOptions())
            XCTFail("expected an error")
        } catch let error as KubeClientError {
            XCTAssertTrue("\(error)".hasSuffix("items[2345].metadata.name: expected String"), "\(error)")
        }
    }

    func testUnstructuredListStreamsAndFillsKind() async throws {
        let transport = RecordedTransport([try .fixture("05-lists/pods.limit-2.page-1.json", chunkSize: 1)])
        let list = try await makeClient(transport).list(Pod.resourceType, namespace: "fixtures", options: ListOptions(limit: 2))
        XCTAssertEqual(list.items.count, 2)
        XCTAssertEqual(list.items.first?["kind"], .string("Pod"))
        XCTAssertEqual(list.items.first?["apiVersion"], .string("v1"))
        XCTAssertEqual(list.metadata.remainingItemCount, 3)
    }
}

private actor Counts {
    var values: [Int] = []
    func add(_ n: Int) { values.append(n) }
}
