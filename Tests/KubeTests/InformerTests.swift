import XCTest
@testable import Kube

final class InformerTests: XCTestCase {
    static let podsPath = "/api/v1/namespaces/fixtures/pods"

    /// Records backoff sleeps and returns at once, so tests never wait on a clock.
    final class SleepRecorder: @unchecked Sendable {
        private let lock = NSLock()
        private var durations: [Duration] = []
        var all: [Duration] { lock.withLock { durations } }
        func sleep(_ d: Duration) async throws { lock.withLock { durations.append(d) } }
    }

    private func configuration(_ sleeps: SleepRecorder, now: @escaping @Sendable () -> Date = { Date(timeIntervalSince1970: 0) })
        -> InformerConfiguration {
        InformerConfiguration(coalesceInterval: .milliseconds(1), sleep: { try await sleeps.sleep($0) }, random: { 0 }, now: now)
    }

    private func watchStep(_ file: String, resourceVersion: String) throws -> RecordedTransport.Step {
        try .fixture(file, query: "allowWatchBookmarks=true&resourceVersion=\(resourceVersion)&timeoutSeconds=300&watch=true",
                     chunkSize: 7)
    }

    private func watchFailure(resourceVersion: String) -> RecordedTransport.Step {
        .init(expect: .init(method: "GET", path: Self.podsPath,
                            query: "allowWatchBookmarks=true&resourceVersion=\(resourceVersion)&timeoutSeconds=300&watch=true"),
              reply: .failure(TransportError.connectFailed(host: "127.0.0.1:6443", detail: "connection refused")))
    }

    /// Runs the informer until it asks for something unscripted, then stops it and returns the states it went through.
    private func run(_ informer: Informer<TestPod>, _ transport: RecordedTransport) async -> [InformerState] {
        let updates = await informer.updates(bufferingPolicy: .unbounded)
        await informer.start()
        await transport.waitUntilExhausted()
        await informer.stop()
        var states: [InformerState] = []
        for await snapshot in updates where states.last != snapshot.state { states.append(snapshot.state) }
        return states
    }

    /// Names in the list, plus ADDED, minus DELETED of the watch fixture.
    private func expectedKeys(list: String, watch: String) throws -> Set<String> {
        let listObject = try JSONSerialization.jsonObject(with: RecordedFixtures.data(list)) as? [String: Any]
        var keys = Set((listObject?["items"] as? [[String: Any]] ?? []).compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String })
        for line in String(decoding: try RecordedFixtures.data(watch), as: UTF8.self).split(separator: "\n") {
            let event = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let name = ((event?["object"] as? [String: Any])?["metadata"] as? [String: Any])?["name"] as? String
            switch event?["type"] as? String {
            case "ADDED": name.map { _ = keys.insert($0) }
            case "DELETED": name.map { _ = keys.remove($0) }
            default: break
            }
        }
        return Set(keys.map { "fixtures/\($0)" })
    }

    func testListThenWatchAppliesEventsAndResumesFromTheBookmarkWithoutRelisting() async throws {
        let list = "06-watch/pods.list-before-watch.json"
        let watch = "06-watch/pods.watch.bookmarks.timeout-20.jsonl"
        let transport = RecordedTransport([
            try .fixture(list, query: "limit=500&resourceVersion=0"),
            try watchStep(watch, resourceVersion: "2093"),
            // Stream ended normally: the next request must be a watch from the last bookmark, not a list.
            watchFailure(resourceVersion: "2136"),
        ])
        let sleeps = SleepRecorder()
        let informer = Informer<TestPod>(client: makeClient(transport), namespace: "fixtures", configuration: configuration(sleeps))
        let states = await run(informer, transport)
        let snapshot = await informer.snapshot()
        XCTAssertEqual(Set(snapshot.items.map(\.metadata.key)), try expectedKeys(list: list, watch: watch))
        XCTAssertEqual(snapshot.items.map(\.metadata.key), snapshot.items.map(\.metadata.key).sorted())
        XCTAssertEqual(snapshot.resourceVersion, "2136")
        XCTAssertEqual(transport.requests.count, 4)
        XCTAssertEqual(states.first, .loading)
        XCTAssertEqual(states.dropFirst().first, .synced)
        guard case .reconnecting(1, let message)? = states.last else { return XCTFail("states: \(states)") }
        XCTAssertTrue(message.contains("connection refused"))
    }

    func testExpiredWatchRelistsWithAConsistentReadThenBacksOffOnTransportErrors() async throws {
        let transport = RecordedTransport([
            try .fixture("06-watch/pods.list-before-watch.json", query: "limit=500&resourceVersion=0"),
            try watchStep("06-watch/pods.watch.resourceVersion-1.410-expired.jsonl", resourceVersion: "2093"),
            // 410: relist with no resourceVersion (quorum read), then watch from the new list.
            try .fixture("05-lists/pods.resourceVersion-exact.json", query: "limit=500"),
            watchFailure(resourceVersion: "2080"),
            watchFailure(resourceVersion: "2080"),
        ])
        let sleeps = SleepRecorder()
        let informer = Informer<TestPod>(client: makeClient(transport), namespace: "fixtures", configuration: configuration(sleeps))
        let states = await run(informer, transport)
        let snapshot = await informer.snapshot()
        XCTAssertEqual(snapshot.resourceVersion, "2080")
        XCTAssertEqual(snapshot.items.count, 5)
        XCTAssertEqual(states.count, 4, "\(states)")
        XCTAssertEqual(Array(states.prefix(2)), [.loading, .synced])
        guard case .reconnecting(1, _) = states[2], case .reconnecting(2, _) = states[3] else { return XCTFail("\(states)") }
        // Base 0.8 s doubling, with the injected random at the bottom of the ±20% jitter.
        XCTAssertEqual(sleeps.all, [.milliseconds(640), .milliseconds(1280)])
    }

    func testLongOutageTurnsStale() async throws {
        let failure = RecordedTransport.Step(
            expect: .init(method: "GET", path: Self.podsPath, query: "limit=500&resourceVersion=0"),
            reply: .failure(TransportError.timedOut(url: "https://127.0.0.1:6443", after: .seconds(10))))
        let transport = RecordedTransport([failure, failure])
        let clock = SteppingClock(step: 40)
        var config = configuration(SleepRecorder(), now: { clock.next() })
        config.staleAfter = .seconds(60)
        let informer = Informer<TestPod>(client: makeClient(transport), namespace: "fixtures", configuration: config)
        let states = await run(informer, transport)
        XCTAssertEqual(states.count, 3, "\(states)")
        guard case .reconnecting(1, _) = states[1] else { return XCTFail("\(states)") }
        XCTAssertEqual(states[2], .stale(since: Date(timeIntervalSince1970: 0)))
    }

    func testBackoffDoublesToTheCapWithJitter() {
        let backoff = ReconnectBackoff()
        XCTAssertEqual(backoff.delay(attempt: 1, unitRandom: 0.5), .milliseconds(800))
        XCTAssertEqual(backoff.delay(attempt: 3, unitRandom: 0.5), .milliseconds(3200))
        XCTAssertEqual(backoff.delay(attempt: 20, unitRandom: 0.5), .seconds(30))
        XCTAssertEqual(backoff.delay(attempt: 20, unitRandom: 1), .seconds(36))
        XCTAssertEqual(backoff.delay(attempt: 20, unitRandom: 0), .seconds(24))
    }
}

/// A clock that moves `step` seconds forward each time it is read.
final class SteppingClock: @unchecked Sendable {
    private let lock = NSLock()
    private var seconds: Double = -1
    private let step: Double
    init(step: Double) { self.step = step }
    func next() -> Date {
        lock.withLock {
            seconds += 1
            return Date(timeIntervalSince1970: seconds * step)
        }
    }
}
