import XCTest
@testable import Engine
import EngineTestSupport

/// The scheduler and block pool against the paged fake runner: any wrong block table, slot or
/// reuse of a stale block changes the tokens, so "same tokens as alone" is a real check.
final class SchedulerTests: XCTestCase {
    // (a) Continuous batching does not change what each request generates.
    func testBatchedRequestsMatchTheirSoloRuns() throws {
        var w = Workload(seed: 1)
        let requests = (0..<12).map { w.request(id: "r\($0)", promptLength: 1...70, maxTokens: 1...40) }
        var d = try EngineDriver(runner: PagedFakeRunner(blockCount: 256), config: EngineConfig(maxNumBatchedTokens: 256))
        for r in requests { try d.add(r) }
        d.runToCompletion()
        for r in requests {
            let solo = try EngineDriver.solo(r)
            XCTAssertEqual(d.completions[r.id]!.tokens, solo.tokens, r.id)
            XCTAssertEqual(d.completions[r.id]!.finish, solo.finish, r.id)
            XCTAssertFalse(solo.tokens.isEmpty)
        }
        XCTAssertEqual(d.core.scheduler.pool.freeCount, 256)
    }

    // (b) Chunked prefill at any budget gives the same output, and chunks really happen.
    func testChunkedPrefillAtAnyBudgetGivesTheSameOutput() throws {
        var w = Workload(seed: 2)
        let requests = (0..<4).map { w.request(id: "c\($0)", promptLength: 30...90, maxTokens: 5...20) }
        let reference = try requests.map { try EngineDriver.solo($0).tokens }
        for budget in [1, 2, 3, 7, 16, 17, 33, 100, 4096] {
            let runner = PagedFakeRunner(blockCount: 128)
            var d = try EngineDriver(runner: runner, config: EngineConfig(maxNumBatchedTokens: budget, enablePrefixCaching: false))
            for r in requests { try d.add(r) }
            var largest = 0
            while d.core.hasWork {
                guard let step = d.core.schedule() else { break }
                XCTAssertLessThanOrEqual(step.batch.tokens.count, budget)
                largest = max(largest, step.batch.tokens.count)
                d.absorb(d.core.complete(step, logits: try runner.forward(step.batch)))
            }
            for (r, want) in zip(requests, reference) {
                XCTAssertEqual(d.completions[r.id]!.tokens, want, "budget \(budget), \(r.id)")
            }
            XCTAssertEqual(d.core.scheduler.pool.freeCount, 128)
        }
    }

    func testDecodesArePlacedBeforeAnUnfinishedPrefill() throws {
        let runner = PagedFakeRunner(blockCount: 64)
        var d = try EngineDriver(runner: runner, config: EngineConfig(maxNumBatchedTokens: 8, enablePrefixCaching: false))
        var p = SamplingParams.greedy
        p.maxTokens = 50
        p.ignoreEOS = true
        try d.add(GenerationRequest(id: "short", prompt: .tokens([5, 6, 7]), sampling: p))
        d.step()  // "short" is now decoding
        try d.add(GenerationRequest(id: "long", prompt: .tokens(Array(repeating: 9, count: 40)), sampling: p))
        for _ in 0..<4 {
            let step = d.core.schedule()!
            XCTAssertEqual(step.batch.slices.first?.sequenceID, 0, "the decode goes first")
            XCTAssertEqual(step.batch.slices.first?.tokenRange.count, 1)
            XCTAssertEqual(step.batch.tokens.count, 8, "the prefill takes the rest of the budget")
            d.absorb(d.core.complete(step, logits: try runner.forward(step.batch)))
        }
    }

    // (c) Random arrivals, aborts and preemptions over thousands of steps on a small pool.
    func testRandomArrivalsAbortsAndPreemptionsLeakNoBlocks() throws {
        var w = Workload(seed: 3)
        let runner = PagedFakeRunner(blockSize: 4, blockCount: 48)
        var d = try EngineDriver(runner: runner, config: EngineConfig(maxNumBatchedTokens: 24, maxNumSeqs: 8))
        var submitted: [String: GenerationRequest] = [:]
        var aborted = Set<String>()
        var next = 0
        // Prompts often start with blocks drawn from three fixed ones: many shared prefixes, and
        // equal blocks behind different prefixes (which only a chained hash tells apart).
        let pieces = (0..<3).map { _ in w.prompt(length: 4) }
        for _ in 0..<4000 {
            if w.int(0...2) == 0 && submitted.count - aborted.count - finished(d) < 16 {
                var r = w.request(id: "q\(next)", promptLength: 1...50, maxTokens: 1...60)
                if w.int(0...2) > 0, case .tokens(let t) = r.prompt {
                    r.prompt = .tokens((0..<w.int(1...4)).flatMap { _ in pieces[w.int(0...2)] } + t)
                }
                next += 1
                try d.add(r)
                submitted[r.id] = r
            }
            // Aborts land between steps and also while a step is "on the backend" (between
            // schedule and complete), as they can with the async engine.
            let abortMidStep = w.int(0...1) == 0
            func maybeAbort(_ d: inout EngineDriver) {
                guard w.int(0...24) == 0,
                      let victim = submitted.keys.sorted().filter({ d.core.isActive($0) }).randomElement(using: &w.rng) else { return }
                d.absorb([d.core.abort(requestID: victim)!])
                aborted.insert(victim)
            }
            if !abortMidStep { maybeAbort(&d) }
            if let step = d.core.schedule() {
                let logits = try runner.forward(step.batch)
                if abortMidStep { maybeAbort(&d) }
                d.absorb(d.core.complete(step, logits: logits))
            }
            XCTAssertEqual(d.core.scheduler.pool.invariantViolations(), [])
            if d.completions.values.contains(where: { $0.error != nil }) { break }
        }
        d.runToCompletion()

        let stats = d.core.snapshot()
        XCTAssertGreaterThan(stats.preemptions, 20, "the pool is small enough to force preemption")
        XCTAssertGreaterThan(stats.prefixCacheHits, 0)
        XCTAssertGreaterThan(aborted.count, 20)
        XCTAssertEqual(d.core.scheduler.pool.freeCount, 48, "every block is back")
        XCTAssertEqual(d.core.scheduler.pool.invariantViolations(), [])
        XCTAssertEqual(stats.runningRequests + stats.waitingRequests, 0)
        var checked = 0
        for (id, r) in submitted.sorted(by: { $0.key < $1.key }) {
            let c = d.completions[id]!
            XCTAssertNil(c.error, "\(id): \(c.error!)")
            XCTAssertNotNil(c.finish, id)
            guard !aborted.contains(id) else { XCTAssertEqual(c.finish?.reason, .abort); continue }
            let solo = try EngineDriver.solo(r, blockSize: 4)
            XCTAssertEqual(c.tokens, solo.tokens, id)
            XCTAssertEqual(c.finish?.reason, solo.finish?.reason, id)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 300)
        print("random run: \(submitted.count) requests, \(aborted.count) aborted, \(checked) matched their solo runs, \(stats.preemptions) preemptions, prefix hits \(stats.prefixCacheHits)/\(stats.prefixCacheQueries) tokens")
        XCTAssertEqual(stats.requestSuccess.values.reduce(0, +), UInt64(submitted.count))
    }

    private func finished(_ d: EngineDriver) -> Int { d.completions.values.filter { $0.finish?.reason != .abort && $0.finish != nil }.count }

    // (d) A shared prefix is computed once; the second request computes only its own tail.
    func testPrefixCacheSkipsTheSharedPrefix() throws {
        var w = Workload(seed: 4)
        let system = w.prompt(length: 64)
        var p = SamplingParams.greedy
        p.maxTokens = 8
        p.ignoreEOS = true
        let first = GenerationRequest(id: "a", prompt: .tokens(system + w.prompt(length: 10)), sampling: p)
        let second = GenerationRequest(id: "b", prompt: .tokens(system + w.prompt(length: 7)), sampling: p)

        let runner = PagedFakeRunner(blockCount: 64)
        var d = try EngineDriver(runner: runner)
        try d.add(first)
        d.runToCompletion()
        let afterFirst = runner.computedTokens
        XCTAssertEqual(afterFirst, 74 + 7, "prompt plus one token per decode step")
        try d.add(second)
        d.runToCompletion()
        XCTAssertEqual(runner.computedTokens - afterFirst, 7 + 7, "64 prefix tokens came from the cache")
        let stats = d.core.snapshot()
        XCTAssertEqual(stats.prefixCacheQueries, 74 + 71)
        XCTAssertEqual(stats.prefixCacheHits, 64)
        XCTAssertEqual(d.completions["b"]!.finish?.usage.cachedPromptTokens, 64)
        XCTAssertEqual(d.completions["b"]!.tokens, try EngineDriver.solo(second).tokens)
    }

    func testAFullyCachedPromptStillComputesItsLastToken() throws {
        var w = Workload(seed: 5)
        var p = SamplingParams.greedy
        p.maxTokens = 3
        let prompt = w.prompt(length: 32)
        let runner = PagedFakeRunner(blockCount: 16)
        var d = try EngineDriver(runner: runner)
        try d.add(GenerationRequest(id: "a", prompt: .tokens(prompt), sampling: p))
        d.runToCompletion()
        let before = runner.computedTokens
        try d.add(GenerationRequest(id: "b", prompt: .tokens(prompt), sampling: p))
        let step = d.core.schedule()!
        // Block 0 is a hit; block 1 would be the whole rest of the prompt, so it is recomputed.
        XCTAssertEqual(step.batch.tokens.count, 16)
        XCTAssertTrue(step.batch.slices[0].wantsLogits)
        d.absorb(d.core.complete(step, logits: try runner.forward(step.batch)))
        d.runToCompletion()
        XCTAssertEqual(d.completions["a"]!.tokens, d.completions["b"]!.tokens)
        XCTAssertGreaterThan(runner.computedTokens, before)
    }

    func testEvictionDropsTheLeastRecentlyUsedPrefix() throws {
        var w = Workload(seed: 6)
        var p = SamplingParams.greedy
        p.maxTokens = 1
        let prompts = (0..<3).map { _ in w.prompt(length: 33) }  // 2 full blocks + 1 token each
        // 6 blocks: room for two finished prompts' 3 blocks each to stay cached.
        let runner = PagedFakeRunner(blockCount: 6)
        var d = try EngineDriver(runner: runner, config: EngineConfig(maxModelLen: 96))
        for (i, prompt) in prompts.prefix(2).enumerated() {
            try d.add(GenerationRequest(id: "p\(i)", prompt: .tokens(prompt), sampling: p))
            d.runToCompletion()
        }
        // Prompt 2 needs 3 blocks: it evicts prompt 0's (least recently used), not prompt 1's.
        try d.add(GenerationRequest(id: "p2", prompt: .tokens(prompts[2]), sampling: p))
        d.runToCompletion()
        let hitsBefore = d.core.snapshot().prefixCacheHits
        try d.add(GenerationRequest(id: "again1", prompt: .tokens(prompts[1]), sampling: p))
        d.runToCompletion()
        XCTAssertEqual(d.core.snapshot().prefixCacheHits - hitsBefore, 32, "prompt 1 is still cached")
        try d.add(GenerationRequest(id: "again0", prompt: .tokens(prompts[0]), sampling: p))
        d.runToCompletion()
        XCTAssertEqual(d.core.snapshot().prefixCacheHits - hitsBefore, 32, "prompt 0 was evicted")
    }

    // (g) Paged allocation wastes only the unfilled tail of each sequence's last block.
    func testKVWasteUnderAMixedWorkloadIsUnderFourPercent() throws {
        var w = Workload(seed: 7)
        let runner = PagedFakeRunner(vocabSize: 64, blockSize: 16, blockCount: 1024)
        var d = try EngineDriver(runner: runner, config: EngineConfig(maxNumBatchedTokens: 512, maxNumSeqs: 64, enablePrefixCaching: false))
        var allocated = 0, used = 0, next = 0
        for step in 0..<3000 {
            if step % 4 == 0 && next < 150 {
                var r = w.request(id: "m\(next)", promptLength: 20...600, maxTokens: 20...300)
                r.sampling.ignoreEOS = true
                try d.add(r)
                next += 1
            }
            d.step()
            let a = d.core.scheduler.slotAccounting
            allocated += a.allocated
            used += a.used
            if !d.core.hasWork && next >= 150 { break }
        }
        let waste = Double(allocated - used) / Double(allocated)
        print("KV waste (allocated-but-unused slots / allocated slots, averaged over steps): \(String(format: "%.2f", waste * 100))% over \(d.steps) steps, block size 16")
        XCTAssertLessThanOrEqual(waste, 0.04)
    }
}

extension SchedulerTests {
    /// Out of blocks, the most recently admitted sequence is preempted, goes to the front of the
    /// queue, is recomputed later (generated tokens included), and still produces its solo output.
    func testPreemptionByRecomputeRequeuesTheNewestAtTheFront() throws {
        var p = SamplingParams.greedy
        p.ignoreEOS = true
        p.maxTokens = 40
        let a = GenerationRequest(id: "a", prompt: .tokens([2, 3, 4, 5]), sampling: p)
        let b = GenerationRequest(id: "b", prompt: .tokens([6, 7, 8, 9]), sampling: p)
        let c = GenerationRequest(id: "c", prompt: .tokens([10, 11]), sampling: p)
        // 6 blocks of 4: a and b need 11 blocks each by the end.
        var d = try EngineDriver(runner: PagedFakeRunner(blockSize: 4, blockCount: 12), config: EngineConfig(maxNumSeqs: 2))
        try d.add(a); try d.add(b); try d.add(c)
        var sawPreemption = false
        while d.core.hasWork {
            let before = d.core.scheduler.preemptionCount
            d.step()
            if d.core.scheduler.preemptionCount > before && !sawPreemption {
                sawPreemption = true
                XCTAssertEqual(d.core.scheduler.runningCount, 1, "only a keeps running")
                XCTAssertEqual(d.core.scheduler.waitingIDs, [1, 2], "b goes back in front of c")
            }
            XCTAssertEqual(d.core.scheduler.pool.invariantViolations(), [])
        }
        XCTAssertTrue(sawPreemption)
        for r in [a, b, c] { XCTAssertEqual(d.completions[r.id]!.tokens, try EngineDriver.solo(r, blockSize: 4).tokens, r.id) }
        XCTAssertEqual(d.core.scheduler.pool.freeCount, 12)
    }
}
