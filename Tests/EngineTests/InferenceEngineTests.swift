import Foundation
import XCTest
@testable import Engine
import EngineTestSupport

/// The async API: streams, abort, cancellation, the idle loop, failures and the statistics.
final class InferenceEngineTests: XCTestCase {
    private static func collect(_ stream: AsyncThrowingStream<GenerationEvent, Error>) async throws -> Completion {
        var c = Completion()
        for try await event in stream {
            XCTAssertNil(c.finish, "nothing follows the finished event")
            switch event {
            case .delta(let d): c.tokens += d.tokenIDs; c.text += d.text
            case .finished(let f): c.finish = f
            }
        }
        return c
    }

    private func waitFor(_ what: String, timeout: Double = 10, _ condition: () async -> Bool) async {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if await condition() { return }
            try? await Task.sleep(nanoseconds: 2_000_000)
        }
        XCTFail("timed out waiting until \(what)")
    }

    func testConcurrentStreamsMatchSoloRunsAndFeedTheStatistics() async throws {
        let runner = PagedFakeRunner(blockCount: 128)
        let engine = try InferenceEngine(runner: runner, detokenizer: ToyByteDetokenizer(eos: [1]),
                                         config: EngineConfig(maxNumBatchedTokens: 64))
        var w = Workload(seed: 11)
        let requests = (0..<8).map { w.request(id: "s\($0)", promptLength: 1...80, maxTokens: 1...30) }
        let results = try await withThrowingTaskGroup(of: (String, Completion).self) { group in
            for r in requests {
                let stream = try await engine.submit(r)
                group.addTask { (r.id, try await Self.collect(stream)) }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        var generated = 0
        for r in requests {
            let solo = try EngineDriver.solo(r)
            XCTAssertEqual(results[r.id]!.tokens, solo.tokens, r.id)
            XCTAssertEqual(results[r.id]!.finish, solo.finish, r.id)
            generated += solo.tokens.count
        }
        await engine.waitUntilIdle()
        let s = await engine.stats
        XCTAssertEqual(s.runningRequests + s.waitingRequests, 0)
        XCTAssertEqual(s.kvCacheUsage, 0)
        XCTAssertEqual(s.generationTokens, UInt64(generated))
        XCTAssertEqual(s.promptTokens, UInt64(requests.reduce(0) { acc, r in
            if case .tokens(let t) = r.prompt { return acc + t.count } else { return acc } }))
        XCTAssertEqual(s.requestSuccess.values.reduce(0, +), 8)
        XCTAssertEqual(s.timeToFirstToken.count, 8)
        XCTAssertEqual(s.interTokenLatency.count, UInt64(generated - 8))
        XCTAssertEqual(s.e2eLatency.count, 8)
        XCTAssertEqual(s.queueTime.count, 8)
        XCTAssertEqual(s.iterationTokens.count, UInt64(runner.forwardCalls))
        XCTAssertEqual(s.iterationTokens.sum, Double(runner.computedTokens))
        XCTAssertEqual(s.timeToFirstToken.bounds.count, 22)
        XCTAssertEqual(s.requestPromptTokens.bounds, [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000])
    }

    // (f) Cancelling the consumer's task aborts the request and frees its blocks at once.
    func testCancellingTheConsumerFreesTheBlocks() async throws {
        let runner = PagedFakeRunner(blockCount: 64, maxPositions: 1024, delay: 0.002)
        let engine = try InferenceEngine(runner: runner, detokenizer: ToyByteDetokenizer(eos: [1]))
        var p = SamplingParams.greedy
        p.ignoreEOS = true
        let stream = try await engine.submit(GenerationRequest(id: "long", prompt: .tokens(Array(repeating: 7, count: 100)), sampling: p))
        let started = AsyncStream.makeStream(of: Void.self)
        let consumer = Task {
            var n = 0
            for try await _ in stream { n += 1; if n == 3 { started.continuation.yield() } }
        }
        for await _ in started.stream { break }
        let usage = await engine.stats.kvCacheUsage
        XCTAssertGreaterThan(usage, 0)
        consumer.cancel()
        await waitFor("the request is aborted and its blocks are free") {
            let s = await engine.stats
            return s.kvCacheUsage == 0 && s.runningRequests == 0 && s.requestSuccess[.abort] == 1
        }
        await engine.waitUntilIdle()
        // The loop stops when there is no work: no more forward steps.
        let calls = runner.forwardCalls
        try await Task.sleep(nanoseconds: 30_000_000)
        XCTAssertEqual(runner.forwardCalls, calls)
    }

    func testAbortByIDEndsTheStreamWithAbort() async throws {
        let engine = try InferenceEngine(runner: PagedFakeRunner(blockCount: 64, maxPositions: 1024, delay: 0.002),
                                         detokenizer: ToyByteDetokenizer(eos: [1]))
        var p = SamplingParams.greedy
        p.ignoreEOS = true
        let stream = try await engine.submit(GenerationRequest(id: "x", prompt: .tokens([5, 6, 7]), sampling: p))
        let result = Task { try await InferenceEngineTests.collect(stream) }
        try await Task.sleep(nanoseconds: 20_000_000)
        await engine.abort(requestID: "x")
        let c = try await result.value
        XCTAssertEqual(c.finish?.reason, .abort)
        XCTAssertEqual(c.finish?.usage.completionTokens, c.tokens.count)
        let usage = await engine.stats.kvCacheUsage
        XCTAssertEqual(usage, 0)
    }

    func testRequestsThatCanNeverRunAreRefusedAtSubmit() async throws {
        let engine = try InferenceEngine(runner: PagedFakeRunner(blockCount: 8),  // 128 slots
                                         detokenizer: ToyByteDetokenizer(eos: [1]))
        let maxLen = await engine.maxModelLen
        XCTAssertEqual(maxLen, 128, "maxModelLen defaults to what the cache holds when that is less than the model's")
        do {
            _ = try await engine.submit(GenerationRequest(id: "big", prompt: .tokens(Array(repeating: 3, count: 129))))
            XCTFail("a prompt longer than maxModelLen is refused")
        } catch {
            XCTAssertEqual(error, .promptTooLong(promptTokens: 129, maxModelLen: 128))
        }
        var p = SamplingParams.greedy
        p.ignoreEOS = true
        let ok = try await engine.submit(GenerationRequest(id: "a", prompt: .tokens([3]), sampling: p))
        do {
            _ = try await engine.submit(GenerationRequest(id: "a", prompt: .tokens([3])))
            XCTFail("duplicate ids are refused")
        } catch {
            XCTAssertEqual(error, .duplicateRequestID("a"))
        }
        let c = try await Self.collect(ok)
        XCTAssertEqual(c.finish?.reason, .length, "generation stops when the context is full")
        XCTAssertEqual(c.tokens.count, 127)
        XCTAssertThrowsError(try EngineCore(runner: PagedFakeRunner(blockCount: 8), detokenizer: ToyByteDetokenizer(),
                                            config: EngineConfig(maxModelLen: 256)))
    }

    func testABackendFailureFailsThatStepsRequestsAndTheEngineGoesOn() async throws {
        let runner = FailingOnceRunner(PagedFakeRunner(blockCount: 32))
        let engine = try InferenceEngine(runner: runner, detokenizer: ToyByteDetokenizer(eos: [1]))
        let first = try await engine.submit(GenerationRequest(id: "f", prompt: .tokens([2, 3]), sampling: .greedy))
        do {
            _ = try await Self.collect(first)
            XCTFail("the stream ends with the backend's error")
        } catch let e as EngineError {
            XCTAssertTrue("\(e)".contains("backend failed"), "\(e)")
        }
        var p = SamplingParams.greedy
        p.maxTokens = 4
        let second = try await engine.submit(GenerationRequest(id: "g", prompt: .tokens([2, 3]), sampling: p))
        let c = try await Self.collect(second)
        XCTAssertNotNil(c.finish)
        let usage = await engine.stats.kvCacheUsage
        XCTAssertEqual(usage, 0)
    }

    func testTextPromptsGoThroughTheTokenizer() async throws {
        let prompt = "hi"
        let runner = ScriptedRunner(script: Array("there".utf8).map { TokenID($0) } + [256], promptLength: prompt.utf8.count)
        let engine = try InferenceEngine(runner: runner, detokenizer: ToyByteDetokenizer())
        let c = try await Self.collect(try await engine.submit(GenerationRequest(id: "t", prompt: .text(prompt), sampling: .greedy)))
        XCTAssertEqual(c.text, "there")
        XCTAssertEqual(c.finish?.usage.promptTokens, 2)
    }
}

/// Throws on its first forward step, then behaves.
final class FailingOnceRunner: ModelRunner, @unchecked Sendable {
    struct Boom: Error {}
    let inner: PagedFakeRunner
    private let lock = NSLock()
    private var failed = false
    init(_ inner: PagedFakeRunner) { self.inner = inner }
    var config: ModelConfig { inner.config }
    var blockSize: Int { inner.blockSize }
    var blockCount: Int { inner.blockCount }
    func forward(_ batch: ForwardBatch) throws -> Logits {
        let fail = lock.withLock { () -> Bool in defer { failed = true }; return !failed }
        if fail { throw Boom() }
        return try inner.forward(batch)
    }
}
