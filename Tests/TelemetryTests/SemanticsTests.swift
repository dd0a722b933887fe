import Foundation
@testable import Telemetry
import XCTest

final class SemanticsTests: XCTestCase {
    private func snapshot(_ text: String, at seconds: Double = 0) -> ServerSnapshot {
        let exposition = Exposition(parsing: text)
        XCTAssertEqual(exposition.issues, [], text)
        return ServerSnapshot(exposition: exposition, time: Date(timeIntervalSince1970: 1_700_000_000 + seconds))
    }

    /// vLLM 0.9.2–0.11 emit both names of each renamed pair with identical values: read once.
    func testBothNamesPresentAreNotCountedTwice() {
        let text = """
        vllm:gpu_cache_usage_perc{model_name="m"} 0.5
        vllm:kv_cache_usage_perc{model_name="m"} 0.25
        vllm:gpu_prefix_cache_queries_total{model_name="m"} 1000
        vllm:gpu_prefix_cache_hits_total{model_name="m"} 400
        vllm:prefix_cache_queries_total{model_name="m"} 1000
        vllm:prefix_cache_hits_total{model_name="m"} 400
        vllm:time_per_output_token_seconds_bucket{le="0.1",model_name="m"} 5
        vllm:time_per_output_token_seconds_bucket{le="+Inf",model_name="m"} 10
        vllm:time_per_output_token_seconds_count{model_name="m"} 10
        vllm:time_per_output_token_seconds_sum{model_name="m"} 2
        vllm:inter_token_latency_seconds_bucket{le="0.1",model_name="m"} 5
        vllm:inter_token_latency_seconds_bucket{le="+Inf",model_name="m"} 10
        vllm:inter_token_latency_seconds_count{model_name="m"} 10
        vllm:inter_token_latency_seconds_sum{model_name="m"} 2
        """
        let model = snapshot(text).model("m")!
        XCTAssertEqual(model.kvCacheUsage, 0.25)  // the current name, not the max of both
        XCTAssertEqual(model.counters[.prefixCacheQueries], 1000)
        XCTAssertEqual(model.counters[.prefixCacheHits], 400)
        XCTAssertEqual(model.histograms[.interTokenLatency]?.count, 10)
        XCTAssertEqual(model.histograms[.interTokenLatency]?.buckets.last?.cumulativeCount, 10)

        // Only the old names: they are read.
        let old = snapshot("""
        vllm:gpu_cache_usage_perc{model_name="m"} 0.5
        vllm:gpu_prefix_cache_queries_total{model_name="m"} 10
        """).model("m")!
        XCTAssertEqual(old.kvCacheUsage, 0.5)
        XCTAssertEqual(old.counters[.prefixCacheQueries], 10)
    }

    /// V1 with data parallelism: counters and running/waiting add over engines, KV usage is the fullest
    /// engine (mean kept beside it), histograms add bucket by bucket.
    func testEnginesCombine() {
        let text = """
        # TYPE vllm:num_requests_running gauge
        vllm:num_requests_running{engine="0",model_name="m"} 3.0
        vllm:num_requests_running{engine="1",model_name="m"} 4.0
        vllm:num_requests_waiting{engine="0",model_name="m"} 1.0
        vllm:num_requests_waiting{engine="1",model_name="m"} 0.0
        vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.2
        vllm:kv_cache_usage_perc{engine="1",model_name="m"} 0.6
        vllm:generation_tokens_total{engine="0",model_name="m"} 100.0
        vllm:generation_tokens_total{engine="1",model_name="m"} 50.0
        vllm:request_success_total{engine="0",finished_reason="stop",model_name="m"} 3.0
        vllm:request_success_total{engine="0",finished_reason="length",model_name="m"} 2.0
        vllm:time_to_first_token_seconds_bucket{engine="0",le="0.5",model_name="m"} 1.0
        vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf",model_name="m"} 2.0
        vllm:time_to_first_token_seconds_count{engine="0",model_name="m"} 2.0
        vllm:time_to_first_token_seconds_bucket{engine="1",le="0.5",model_name="m"} 3.0
        vllm:time_to_first_token_seconds_bucket{engine="1",le="+Inf",model_name="m"} 3.0
        vllm:time_to_first_token_seconds_count{engine="1",model_name="m"} 3.0
        vllm:cache_config_info{block_size="16",engine="0",gpu_memory_utilization="0.92",num_gpu_blocks="27000"} 1.0
        """
        let snapshot = snapshot(text)
        XCTAssertEqual(snapshot.generation, .v1)
        let model = snapshot.model("m")!
        XCTAssertEqual(model.engines, ["0", "1"])
        XCTAssertEqual(model.running, 7)
        XCTAssertEqual(model.waiting, 1)
        XCTAssertEqual(model.kvCacheUsage, 0.6)
        XCTAssertEqual(model.kvCacheUsageMean!, 0.4, accuracy: 1e-12)
        XCTAssertEqual(model.counters[.generationTokens], 150)
        XCTAssertEqual(model.counters[.requestsFinished], 5)
        XCTAssertEqual(model.histograms[.timeToFirstToken]?.buckets.map(\.cumulativeCount), [4, 5])
        XCTAssertEqual(model.histograms[.timeToFirstToken]?.count, 5)
        XCTAssertEqual(snapshot.cacheConfig?.engine, "0")
        XCTAssertEqual(snapshot.cacheConfig?.gpuMemoryUtilization, 0.92)
        XCTAssertEqual(snapshot.cacheConfig?.kvCacheTokens, 432_000)
        XCTAssertEqual(snapshot.version?.atLeast, VersionGuess.Version(0, 9, 2))
    }

    func testNoEngineFamiliesMeansMetricsDisabled() throws {
        // A vLLM 0.4.3 server's own dump with every vllm:* line taken out (--disable-log-stats).
        let text = try String(contentsOf: FixtureTests.directory.appendingPathComponent("vllm-0.4.3-datadog.prom"), encoding: .utf8)
        let stripped = text.split(separator: "\n").filter { !$0.contains("vllm:") }.joined(separator: "\n")
        let disabled = snapshot(stripped)
        XCTAssertEqual(disabled.availability, .metricsDisabled)
        XCTAssertNil(disabled.kind)
        XCTAssertEqual(disabled.models, [])
        XCTAssertNil(disabled.total.running)  // never a zero
        XCTAssertNil(disabled.total.kvCacheUsage)
        XCTAssertTrue(snapshot("").metricsDisabled)
        XCTAssertNil(WindowStats(snapshots: [disabled, snapshot(stripped, at: 5)]))
    }

    func testCounterIncreaseHandlesResets() {
        XCTAssertEqual(counterIncrease([100, 150, 20, 50]), 50 + 20 + 30)
        XCTAssertEqual(counterIncrease([5, 5, 5]), 0)
        XCTAssertEqual(counterIncrease([7]), 0)
        XCTAssertEqual(counterIncrease([10, 0, 0, 3]), 3)
    }

    /// Failed requests are those vLLM finished as abort or error; stop and length are successes.
    func testErrorRateCountsAbortedAndErroredRequests() throws {
        func text(stop: Double, length: Double, abort: Double, error: Double) -> String {
            """
            vllm:request_success_total{finished_reason="stop",model_name="m"} \(stop)
            vllm:request_success_total{finished_reason="length",model_name="m"} \(length)
            vllm:request_success_total{finished_reason="abort",model_name="m"} \(abort)
            vllm:request_success_total{finished_reason="error",model_name="m"} \(error)
            """
        }
        let a = snapshot(text(stop: 100, length: 10, abort: 5, error: 0), at: 0)
        let b = snapshot(text(stop: 180, length: 20, abort: 12, error: 3), at: 10)
        XCTAssertEqual(a.model("m")?.counters[.requestsFinished], 115)
        XCTAssertEqual(a.model("m")?.counters[.requestsFailed], 5)
        let m = try XCTUnwrap(WindowStats(from: a, to: b)?.model("m"))
        XCTAssertEqual(m.requestsPerSecond, 10)
        XCTAssertEqual(try XCTUnwrap(m.errorRate), 10.0 / 100, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(DerivedNumbers(window: m).errorRate), 0.1, accuracy: 1e-12)
        // Only successes exported: 0%, not unknown; nothing finished in the window: unknown.
        let quiet = snapshot("vllm:request_success_total{finished_reason=\"stop\",model_name=\"m\"} 7", at: 20)
        let later = snapshot("vllm:request_success_total{finished_reason=\"stop\",model_name=\"m\"} 9", at: 30)
        XCTAssertEqual(WindowStats(from: quiet, to: later)?.model("m")?.errorRate, 0)
        XCTAssertNil(WindowStats(from: later, to: later)?.model("m")?.errorRate)
    }

    func testWindowRatesAndQuantiles() throws {
        func text(gen: Double, prompt: Double, preempt: Double, queries: Double, hits: Double,
                  buckets: [Double], sum: Double, steps: Double, stepTokens: Double, running: Double) -> String {
            """
            vllm:num_requests_running{model_name="m"} \(running)
            vllm:generation_tokens_total{model_name="m"} \(gen)
            vllm:prompt_tokens_total{model_name="m"} \(prompt)
            vllm:num_preemptions_total{model_name="m"} \(preempt)
            vllm:prefix_cache_queries_total{model_name="m"} \(queries)
            vllm:prefix_cache_hits_total{model_name="m"} \(hits)
            vllm:e2e_request_latency_seconds_bucket{le="1.0",model_name="m"} \(buckets[0])
            vllm:e2e_request_latency_seconds_bucket{le="2.5",model_name="m"} \(buckets[1])
            vllm:e2e_request_latency_seconds_bucket{le="+Inf",model_name="m"} \(buckets[2])
            vllm:e2e_request_latency_seconds_count{model_name="m"} \(buckets[2])
            vllm:e2e_request_latency_seconds_sum{model_name="m"} \(sum)
            vllm:iteration_tokens_total_bucket{le="+Inf",model_name="m"} \(steps)
            vllm:iteration_tokens_total_bucket{le="64",model_name="m"} \(steps)
            vllm:iteration_tokens_total_count{model_name="m"} \(steps)
            vllm:iteration_tokens_total_sum{model_name="m"} \(stepTokens)
            """
        }
        let a = snapshot(text(gen: 1000, prompt: 400, preempt: 1, queries: 400, hits: 100,
                              buckets: [10, 20, 20], sum: 25, steps: 100, stepTokens: 1000, running: 2), at: 0)
        let b = snapshot(text(gen: 1500, prompt: 600, preempt: 3, queries: 600, hits: 250,
                              buckets: [12, 40, 40], sum: 60, steps: 150, stepTokens: 2000, running: 6), at: 10)
        let window = try XCTUnwrap(WindowStats(from: a, to: b))
        XCTAssertEqual(window.seconds, 10)
        let m = try XCTUnwrap(window.model("m"))
        XCTAssertEqual(m.generationTokensPerSecond, 50)
        XCTAssertEqual(m.promptTokensPerSecond, 20)
        XCTAssertEqual(m.preemptionsPerSecond, 0.2)
        XCTAssertEqual(m.prefixCacheHitRate, 0.75)  // 150 hits of 200 queried tokens
        XCTAssertEqual(m.runningRequests, 6)
        XCTAssertEqual(m.meanRunningRequests, 4)
        XCTAssertEqual(m.tokensPerStep, 20)  // 1000 tokens over 50 steps
        XCTAssertEqual(m.stepsPerSecond(over: window.seconds), 5)
        // e2e in the window: 2 requests ≤ 1 s, 18 in (1, 2.5]. p50: rank 10 → 1 + 1.5·8/18.
        let e2e = try XCTUnwrap(m.latency(.endToEndLatency))
        XCTAssertEqual(e2e.observations, 20)
        XCTAssertEqual(e2e.p50!, 1 + 1.5 * 8 / 18, accuracy: 1e-12)
        XCTAssertEqual(e2e.p99!, 1 + 1.5 * (19.8 - 2) / 18, accuracy: 1e-12)
        XCTAssertEqual(e2e.mean!, 35.0 / 20, accuracy: 1e-12)
        // Bounds are read from the data: here written out of order (`+Inf` first), still sorted.
        XCTAssertEqual(m.histograms[.iterationTokens]?.buckets.map(\.upperBound), [64, .infinity])
        XCTAssertEqual(window.total.generationTokensPerSecond, 50)

        // A restart between the two: counters and histograms count from zero again.
        let c = snapshot(text(gen: 300, prompt: 100, preempt: 0, queries: 100, hits: 10,
                              buckets: [1, 2, 2], sum: 2, steps: 10, stepTokens: 30, running: 1), at: 20)
        let restarted = try XCTUnwrap(WindowStats(from: b, to: c).flatMap { $0.model("m") })
        XCTAssertEqual(restarted.generationTokensPerSecond, 30)
        XCTAssertEqual(restarted.histograms[.endToEndLatency]?.count, 2)
        XCTAssertEqual(restarted.tokensPerStep, 3)
        // Over all three: 500 before the restart, 300 after, in 20 s.
        let whole = try XCTUnwrap(WindowStats(snapshots: [c, a, b]).flatMap { $0.model("m") })
        XCTAssertEqual(whole.generationTokensPerSecond, 40)
        XCTAssertEqual(whole.histograms[.endToEndLatency]?.count, 22)
    }

    func testRenameAcrossAnUpgradeCountsAsARestart() throws {
        let before = snapshot("vllm:gpu_prefix_cache_queries_total{model_name=\"m\"} 5000\n", at: 0)
        let after = snapshot("vllm:prefix_cache_queries_total{model_name=\"m\"} 40\n", at: 10)
        let window = try XCTUnwrap(WindowStats(from: before, to: after))
        XCTAssertEqual(window.model("m")?.increases[.prefixCacheQueries], 40)
    }

    func testTGIMapsOntoTheSameColumns() {
        let text = """
        # TYPE tgi_queue_size gauge
        tgi_queue_size 4
        # TYPE tgi_batch_current_size gauge
        tgi_batch_current_size 12
        # TYPE tgi_request_generated_tokens histogram
        tgi_request_generated_tokens_bucket{le="100"} 3
        tgi_request_generated_tokens_bucket{le="+Inf"} 5
        tgi_request_generated_tokens_sum 900
        tgi_request_generated_tokens_count 5
        # TYPE tgi_request_success counter
        tgi_request_success 5
        """
        let snapshot = snapshot(text)
        XCTAssertEqual(snapshot.kind, .tgi)
        XCTAssertEqual(snapshot.total.running, 12)
        XCTAssertEqual(snapshot.total.waiting, 4)
        XCTAssertEqual(snapshot.total.counters[.generationTokens], 900)
        XCTAssertEqual(snapshot.total.counters[.requestsFinished], 5)
    }

    func testTimeSeriesKeepsTheNewestPoints() {
        XCTAssertEqual(TimeSeries<Double>().capacity, 180)  // 15 min at 5 s
        XCTAssertEqual(TimeSeries<Double>(window: 60, interval: 7).capacity, 9)
        var series = TimeSeries<Double>(capacity: 3)
        XCTAssertNil(series.latest)
        let t0 = Date(timeIntervalSince1970: 0)
        for step in 0..<5 { series.append(Double(step), at: t0.addingTimeInterval(Double(step) * 5)) }
        XCTAssertEqual(series.count, 3)
        XCTAssertEqual(series.points.map(\.value), [2, 3, 4])
        XCTAssertEqual(series.latest?.value, 4)
        XCTAssertEqual(series.oldest?.value, 2)
        XCTAssertEqual(series.points(since: t0.addingTimeInterval(15)).map(\.value), [3, 4])
    }
}
