import Foundation
import KvdeckTestSupport
@testable import Telemetry
import XCTest

/// The scheduler with scripted targets and a hand-moved clock: rates and quantiles over two
/// readings, backoff and staleness of a failing target, the timeout, bounded concurrency, bounded
/// history, and what counts as "disabled" versus "not an exposition".
final class ScraperTests: XCTestCase {
    let a = ScrapeTarget.url("http://a.test/metrics")
    let b = ScrapeTarget.url("http://b.test/metrics")

    func testTwoReadingsGiveRatesAndQuantilesFromBucketDeltas() async throws {
        let clock = ManualClock()
        let fetcher = ScriptedFetcher()
        let scraper = Scraper(fetcher: fetcher, configuration: .init(interval: 5), now: clock.function)
        await scraper.setTargets([a])
        await fetcher.set(a.key, .body(VLLMText.make(generation: 1000, prompt: 4000,
                                                     ttft: [("0.1", 10), ("0.5", 20), ("1.0", 20), ("+Inf", 20)], ttftSum: 3)))
        await scraper.scrapeDue()
        var pod = await scraper.snapshot().targets[a.key]!
        XCTAssertEqual(pod.numbers?.running, 2)
        XCTAssertEqual(pod.numbers?.waiting, 1)
        XCTAssertEqual(pod.numbers?.kvCacheUsage, 0.25)
        XCTAssertNil(pod.numbers?.generationTokensPerSecond, "one reading: no rate yet, not zero")
        XCTAssertNil(pod.numbers?.ttftP50)

        clock.advance(by: 5)
        await fetcher.set(a.key, .body(VLLMText.make(generation: 1500, prompt: 5000,
                                                     ttft: [("0.1", 10), ("0.5", 30), ("1.0", 40), ("+Inf", 40)], ttftSum: 16)))
        let asked = await scraper.scrapeDue()
        XCTAssertEqual(asked, 1)
        pod = await scraper.snapshot().targets[a.key]!
        // By hand: 500 tokens in 5 s; the window saw 20 requests: 10 in (0.1, 0.5], 10 in (0.5, 1].
        XCTAssertEqual(pod.numbers?.generationTokensPerSecond, 100)
        XCTAssertEqual(pod.numbers?.promptTokensPerSecond, 200)
        // p50: rank 10 ends bucket (0.1, 0.5] → 0.5. p99: rank 19.8 → 0.5 + 0.5 × 9.8/10 = 0.99.
        XCTAssertEqual(pod.numbers?.ttftP50 ?? 0, 0.5, accuracy: 1e-12)
        XCTAssertEqual(pod.numbers?.ttftP99 ?? 0, 0.99, accuracy: 1e-12)
        XCTAssertEqual(pod.window?.histograms[.timeToFirstToken]?.mean ?? 0, 13.0 / 20, accuracy: 1e-12)
        XCTAssertEqual(pod.history.count, 2)
        XCTAssertEqual(pod.health.nextAttempt, clock.now.addingTimeInterval(5))
    }

    func testACounterResetBetweenReadingsIsARestartNotANegativeRate() async throws {
        let clock = ManualClock()
        let fetcher = ScriptedFetcher()
        let scraper = Scraper(fetcher: fetcher, configuration: .init(interval: 5), now: clock.function)
        await scraper.setTargets([a])
        await fetcher.set(a.key, .body(VLLMText.make(generation: 90_000, ttft: [("0.1", 50), ("+Inf", 60)])))
        await scraper.scrapeDue()
        clock.advance(by: 5)
        // The pod restarted: counters start again from zero.
        await fetcher.set(a.key, .body(VLLMText.make(generation: 200, ttft: [("0.1", 3), ("+Inf", 4)])))
        await scraper.scrapeDue()
        let numbers = await scraper.snapshot().targets[a.key]?.numbers
        XCTAssertEqual(numbers?.generationTokensPerSecond, 40, "200 tokens since the restart, over 5 s")
        // Only the 4 requests since the restart: 3 at ≤ 0.1 s, so p50 lies in the first bucket.
        XCTAssertEqual(numbers?.ttftP50 ?? 0, 0.1 * 2 / 3, accuracy: 1e-12)
    }

    func testAFailingTargetBacksOffExponentiallyAndItsNumbersGoStale() async throws {
        let clock = ManualClock()
        let start = clock.now
        let fetcher = ScriptedFetcher()
        let scraper = Scraper(fetcher: fetcher, configuration: .init(interval: 5, backoff: Backoff(maximum: 60)),
                              now: clock.function)
        await scraper.setTargets([a, b])
        await fetcher.set(a.key, .body(VLLMText.make()))
        await fetcher.set(b.key, .failure(.httpStatus(503, detail: "Service Unavailable")))
        let asked = await scraper.scrapeDue()
        XCTAssertEqual(asked, 2)
        var snapshot = await scraper.snapshot()
        XCTAssertEqual(snapshot.pod(a.key).freshness, .live)
        XCTAssertEqual(snapshot.pod(b.key).freshness, .failing(.httpStatus(503, detail: "Service Unavailable")))
        XCTAssertEqual(snapshot.targets[b.key]?.health.nextAttempt, start.addingTimeInterval(10), "first failure: 2 intervals")

        // a now fails too. Attempts at 5 (a only: b waits), 10 (b), 15 (a), 30 (b), 35 (a), ...
        await fetcher.set(a.key, .failure(.timedOut(seconds: 4)))
        var attempts: [(Double, Int)] = []
        for second in stride(from: 5.0, through: 200, by: 5) {
            clock.advance(by: 5)
            let asked = await scraper.scrapeDue()
            if asked > 0 { attempts.append((second, asked)) }
            snapshot = await scraper.snapshot()
            if second == 15 {
                XCTAssertEqual(snapshot.pod(a.key).freshness, .live, "15 s old: not yet stale (3 intervals)")
                XCTAssertEqual(snapshot.pod(a.key).numbers?.running, 2, "the last numbers are kept while failing")
            }
            if second == 20 {
                XCTAssertEqual(snapshot.pod(a.key).freshness, .stale(age: 20))
                XCTAssertEqual(snapshot.pod(a.key).numbers?.running, 2)
            }
        }
        let aCalls = await fetcher.calls[a.key], bCalls = await fetcher.calls[b.key]
        // a: ok at 0; fails at 5 (next +10), 15 (+20), 35 (+40), 75 (+60 cap), 135, 195.
        XCTAssertEqual(aCalls, 7)
        // b: fails at 0 (+10), 10 (+20), 30 (+40), 70 (+60), 130, 190.
        XCTAssertEqual(bCalls, 6)
        XCTAssertEqual(attempts.map(\.0), [5, 10, 15, 30, 35, 70, 75, 130, 135, 190, 195])
        XCTAssertEqual(snapshot.targets[a.key]?.health.consecutiveFailures, 6)

        // a recovers: live again, back to the plain interval.
        await fetcher.set(a.key, .body(VLLMText.make(running: 7)))
        clock.advance(by: 60)
        await scraper.scrapeDue()
        snapshot = await scraper.snapshot()
        XCTAssertEqual(snapshot.pod(a.key).freshness, .live)
        XCTAssertEqual(snapshot.pod(a.key).numbers?.running, 7)
        XCTAssertEqual(snapshot.targets[a.key]?.health.consecutiveFailures, 0)
        XCTAssertEqual(snapshot.targets[a.key]?.health.nextAttempt, clock.now.addingTimeInterval(5))
    }

    func testBackoffDelays() {
        let backoff = Backoff(maximum: 300)
        XCTAssertEqual((0...9).map { backoff.delay(afterFailures: $0, interval: 5) }, [5, 10, 20, 40, 80, 160, 300, 300, 300, 300])
        XCTAssertEqual(Backoff(maximum: 1).delay(afterFailures: 3, interval: 5), 5, "never shorter than the interval")
    }

    func testASlowTargetTimesOutWithoutHoldingTheCycle() async throws {
        let fetcher = ScriptedFetcher()
        let scraper = Scraper(fetcher: fetcher, configuration: .init(interval: 5, timeout: 0.2))
        await scraper.setTargets([a, b])
        await fetcher.set(a.key, .slow(seconds: 30, then: VLLMText.make()))
        await fetcher.set(b.key, .body(VLLMText.make()))
        let started = Date()
        await scraper.scrapeDue()
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "the slow fetch was cancelled at its deadline")
        let snapshot = await scraper.snapshot()
        XCTAssertEqual(snapshot.pod(a.key).freshness, .failing(.timedOut(seconds: 0.2)))
        XCTAssertEqual(snapshot.pod(b.key).freshness, .live)
        XCTAssertEqual(ScrapeError.timedOut(seconds: 0.2).description, "no answer within 0.2 s")
    }

    func testConcurrencyIsBounded() async throws {
        let fetcher = ScriptedFetcher()
        await fetcher.setDelay(0.02)
        let targets = (0..<40).map { ScrapeTarget.url("http://pod-\($0).test/metrics") }
        for target in targets { await fetcher.set(target.key, .body(VLLMText.make())) }
        let scraper = Scraper(fetcher: fetcher, configuration: .init(interval: 5, maxConcurrent: 4))
        await scraper.setTargets(targets)
        let asked = await scraper.scrapeDue()
        XCTAssertEqual(asked, 40)
        let most = await fetcher.mostInFlight
        XCTAssertLessThanOrEqual(most, 4)
        XCTAssertGreaterThan(most, 1, "fetches do overlap")
        let live = await scraper.snapshot().targets.values.filter { $0.health.lastSuccess != nil }.count
        XCTAssertEqual(live, 40)
    }

    func testHistoryIsBoundedAndSurvivesTargetListUpdates() async throws {
        let clock = ManualClock()
        let fetcher = ScriptedFetcher()
        let scraper = Scraper(fetcher: fetcher, configuration: .init(interval: 5, historyWindow: 20), now: clock.function)
        await scraper.setTargets([a])
        for step in 0..<6 {
            await fetcher.set(a.key, .body(VLLMText.make(running: Double(step), generation: Double(1000 + 100 * step))))
            await scraper.scrapeDue()
            await scraper.setTargets([a, b])  // the list changes; a keeps its history
            await fetcher.set(b.key, .body(VLLMText.make()))
            clock.advance(by: 5)
        }
        let history = await scraper.snapshot().targets[a.key]!.history
        XCTAssertEqual(history.capacity, 4, "20 s at 5 s")
        XCTAssertEqual(history.points.map { $0.value.running }, [2, 3, 4, 5])
        XCTAssertEqual(history.points.last?.value.generationTokensPerSecond, 20)
        await scraper.setTargets([b])
        let kept = await scraper.snapshot().targets
        XCTAssertNil(kept[a.key], "a target that left is forgotten")
    }

    func testDisabledMetricsAreNotZerosAndAnHTMLPageIsNotMetrics() async throws {
        let fetcher = ScriptedFetcher()
        let scraper = Scraper(fetcher: fetcher)
        let c = ScrapeTarget.url("http://c.test/metrics")
        await scraper.setTargets([a, b, c])
        // vLLM with --disable-log-stats still serves the HTTP instrumentator's families.
        await fetcher.set(a.key, .body("# TYPE http_requests_total counter\nhttp_requests_total{handler=\"/v1/completions\",method=\"POST\",status=\"2xx\"} 12.0\n"))
        await fetcher.set(b.key, .body("<!DOCTYPE html>\n<html><body>Sign in</body></html>\n", contentType: "text/html"))
        await fetcher.set(c.key, .body(""))
        await scraper.scrapeDue()
        let snapshot = await scraper.snapshot()
        XCTAssertEqual(snapshot.pod(a.key).freshness, .metricsDisabled)
        XCTAssertNil(snapshot.pod(a.key).numbers)
        guard case let .failing(.notAnExposition(detail)) = snapshot.pod(b.key).freshness else {
            return XCTFail("\(snapshot.pod(b.key).freshness)")
        }
        XCTAssertTrue(detail.hasPrefix("line 1: "), detail)
        XCTAssertEqual(snapshot.pod(c.key).freshness, .failing(.notAnExposition(detail: "empty body")))
    }

    func testRunPublishesSnapshotsUntilCancelled() async throws {
        let fetcher = ScriptedFetcher()
        await fetcher.set(a.key, .body(VLLMText.make()))
        let scraper = Scraper(fetcher: fetcher, configuration: .init(interval: 0.05))
        await scraper.setTargets([a])
        let updates = await scraper.updates()
        let runner = Task { await scraper.run() }
        var cycles: [Int] = []
        for await snapshot in updates {
            cycles.append(snapshot.cycle)
            if snapshot.cycle >= 3 { break }
        }
        runner.cancel()
        await runner.value
        XCTAssertEqual(cycles, cycles.sorted(), "snapshots arrive in order")
        XCTAssertGreaterThanOrEqual(cycles.last ?? 0, 3)
        let calls = await fetcher.calls[a.key] ?? 0
        XCTAssertGreaterThanOrEqual(calls, 3)
    }
}
