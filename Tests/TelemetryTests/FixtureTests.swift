import Foundation
import KvdeckTestSupport
@testable import Telemetry
import XCTest

/// The real dumps in ../shared/fixtures/metrics, parsed and read the way the console reads them.
/// Expected numbers were read off the files by hand (line numbers in the comments).
final class FixtureTests: XCTestCase {
    static let directory = SharedFixtures.root.appendingPathComponent("fixtures/metrics")

    static func fixture(_ name: String) throws -> Exposition {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        return Exposition(parsing: data)
    }

    func testEveryExpositionDumpParsesWithoutBadLines() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
            .filter { $0.hasSuffix(".prom") }.sorted()
        XCTAssertEqual(names.count, 6, "fixtures: \(names)")
        for name in names {
            let exposition = try Self.fixture(name)
            XCTAssertEqual(exposition.issues, [], name)
            XCTAssertGreaterThan(exposition.sampleCount, 0, name)
            XCTAssertEqual(exposition.format, .prometheusText, name)
            // Every non-comment, non-blank line became exactly one sample.
            let text = try String(contentsOf: Self.directory.appendingPathComponent(name), encoding: .utf8)
            let sampleLines = text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
            XCTAssertEqual(exposition.sampleCount, sampleLines.count, name)
        }
    }

    /// The inference-perf golden is a list of `name type` pairs, not an exposition: each of its 36
    /// family lines is a bad line (the "value" is a type word), reported and skipped; the comments are not.
    func testFamilyListIsReportedLineByLine() throws {
        let exposition = try Self.fixture("vllm-0.26.0-metric-families.inference-perf.txt")
        XCTAssertEqual(exposition.sampleCount, 0)
        XCTAssertEqual(exposition.badLines.map(\.line), Array(7...42))
        XCTAssertEqual(exposition.badLines.first?.reason, "invalid value 'gauge'")
        XCTAssertEqual(exposition.badLines.last?.reason, "invalid value 'histogram'")
        XCTAssertTrue(ServerSnapshot(exposition: exposition).metricsDisabled)
    }

    /// Each current vLLM name the console reads first is one a 0.26 server really emits.
    func testCurrentNamesAreThoseOfARecentServer() throws {
        let text = try String(contentsOf: Self.directory.appendingPathComponent(
            "vllm-0.26.0-metric-families.inference-perf.txt"), encoding: .utf8)
        let emitted = Set(text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { $0.split(separator: " ").first.map(String.init) })
        let vocabulary = MetricVocabulary.vllm
        let v0OnlyGauges: Set<GaugeColumn> = [.prefixCacheHitRate, .generationThroughput, .promptThroughput]
        for (column, names) in vocabulary.gauges where !v0OnlyGauges.contains(column) {
            XCTAssertTrue(emitted.contains(names[0]), "\(column): \(names[0])")
        }
        for (column, names) in vocabulary.counters { XCTAssertTrue(emitted.contains(names[0]), "\(column): \(names[0])") }
        for (column, names) in vocabulary.histograms { XCTAssertTrue(emitted.contains(names[0]), "\(column): \(names[0])") }
    }

    func testVLLM05KubeAI() throws {
        let exposition = try Self.fixture("vllm-0.5.x-kubeai.prom")
        let snapshot = ServerSnapshot(exposition: exposition)
        XCTAssertEqual(snapshot.kind, .vllm)
        XCTAssertEqual(snapshot.generation, .v0)
        XCTAssertEqual(snapshot.version?.description, "< 0.7.1")
        XCTAssertEqual(snapshot.sources["kvCacheUsage"], "vllm:gpu_cache_usage_perc")
        XCTAssertEqual(snapshot.sources["interTokenLatency"], "vllm:time_per_output_token_seconds")

        let model = try XCTUnwrap(snapshot.model("neuralmagic/Meta-Llama-3.1-8B-Instruct-FP8"))
        XCTAssertEqual(model.running, 3)
        XCTAssertEqual(model.waiting, 2)
        XCTAssertEqual(model.kvCacheUsage, 0.0026235242675994863)
        XCTAssertEqual(model.counters[.generationTokens], 2546)
        XCTAssertEqual(model.counters[.promptTokens], 90)
        XCTAssertEqual(model.counters[.requestsFinished], 6)
        XCTAssertEqual(model.gauges[.generationThroughput], 34.30352890481867)
        // A second model only appears in num_requests_waiting (3): the total adds it.
        XCTAssertEqual(snapshot.model("other/OTHER")?.waiting, 3)
        XCTAssertEqual(snapshot.total.waiting, 5)
        XCTAssertEqual(snapshot.total.running, 3)

        XCTAssertEqual(snapshot.cacheConfig?.blockSize, 16)
        XCTAssertEqual(snapshot.cacheConfig?.numGPUBlocks, 4574)
        XCTAssertEqual(snapshot.cacheConfig?.numCPUBlocks, 2048)
        XCTAssertEqual(snapshot.cacheConfig?.gpuMemoryUtilization, 0.9)
        XCTAssertEqual(snapshot.cacheConfig?.enablePrefixCaching, false)
        XCTAssertEqual(snapshot.cacheConfig?.kvCacheTokens, 4574 * 16)

        // TTFT: 0.04→1, 0.06→6, 0.08→9, +Inf→9. p50: rank 4.5 in (0.04, 0.06] holding 5 → 0.04 + 0.02·3.5/5.
        let ttft = try XCTUnwrap(model.histograms[.timeToFirstToken])
        XCTAssertEqual(ttft.quantile(0.5), 0.054, accuracy: 1e-12)
        // p99: rank 8.91 in (0.06, 0.08] holding 3 → 0.06 + 0.02·2.91/3.
        XCTAssertEqual(ttft.quantile(0.99), 0.0794, accuracy: 1e-12)
        XCTAssertEqual(ttft.mean!, 0.5106480121612549 / 9, accuracy: 1e-15)
        // TPOT: 0.025→0, 0.05→2519 of 2537. p50: 0.025 + 0.025·1268.5/2519.
        let tpot = try XCTUnwrap(model.histograms[.interTokenLatency])
        XCTAssertEqual(tpot.quantile(0.5), 0.025 + 0.025 * 1268.5 / 2519, accuracy: 1e-12)
        XCTAssertEqual(tpot.buckets.map(\.upperBound).last, .infinity)
        XCTAssertEqual(tpot.buckets.count, 14)  // 13 finite bounds as read from the file, + Inf
    }

    func testVLLM043() throws {
        let snapshot = ServerSnapshot(exposition: try Self.fixture("vllm-0.4.3-datadog.prom"))
        XCTAssertEqual(snapshot.generation, .v0)
        XCTAssertEqual(snapshot.models.map(\.model), ["facebook/opt-125m"])
        XCTAssertEqual(snapshot.total.running, 0)
        XCTAssertEqual(snapshot.total.kvCacheUsage, 0)
        XCTAssertEqual(snapshot.total.counters[.generationTokens], 7)
        XCTAssertEqual(snapshot.cacheConfig?.numGPUBlocks, 7281)
        XCTAssertEqual(snapshot.cacheConfig?.fields["cpu_kvcache_space_bytes"], "4294967296")
        // One request; TTFT 0.313 s lies in (0.25, 0.5]: p50 interpolates to 0.25 + 0.25·0.5.
        XCTAssertEqual(snapshot.total.histograms[.timeToFirstToken]?.quantile(0.5), 0.375)
    }

    /// The curated hybrid has both names of every renamed pair: only the current one is read.
    func testHybridReadsCurrentNamesOnly() throws {
        let exposition = try Self.fixture("vllm-hybrid-v0v1-datadog-curated.prom")
        let snapshot = ServerSnapshot(exposition: exposition)
        XCTAssertEqual(snapshot.generation, .mixed)
        XCTAssertEqual(snapshot.version?.isInconsistent, true)
        XCTAssertEqual(snapshot.sources["kvCacheUsage"], "vllm:kv_cache_usage_perc")
        XCTAssertEqual(snapshot.sources["interTokenLatency"], "vllm:inter_token_latency_seconds")
        XCTAssertEqual(snapshot.sources["prefixCacheQueries"], "vllm:prefix_cache_queries_total")
        let model = try XCTUnwrap(snapshot.model("facebook/opt-125m"))
        // inter_token_latency has 144 observations, time_per_output_token 6: not 150.
        XCTAssertEqual(model.histograms[.interTokenLatency]?.count, 144)
        XCTAssertEqual(model.histograms[.interTokenLatency]?.quantile(0.5) ?? 0, 0.01 * 72 / 141, accuracy: 1e-12)
        XCTAssertEqual(model.counters[.prefixCacheQueries], 117)
        XCTAssertEqual(model.counters[.prefixCacheHits], 64)
        // iteration_tokens: 267 tokens over 71 steps.
        XCTAssertEqual(model.histograms[.iterationTokens]?.mean ?? 0, 267.0 / 71, accuracy: 1e-12)
        XCTAssertEqual(model.histograms[.iterationTokens]?.buckets.map(\.upperBound), [1, 8, 16, 32, 64, .infinity])
    }

    func testSGLang() throws {
        let snapshot = ServerSnapshot(exposition: try Self.fixture("sglang-docs-llama3.1-8b.prom"))
        XCTAssertEqual(snapshot.kind, .sglang)
        XCTAssertNil(snapshot.generation)
        let model = try XCTUnwrap(snapshot.model("meta-llama/Llama-3.1-8B-Instruct"))
        XCTAssertEqual(model.running, 162)
        XCTAssertEqual(model.waiting, 2826)
        XCTAssertEqual(model.kvCacheUsage, 0.28)
        XCTAssertEqual(model.counters[.promptTokens], 8_128_902)
        XCTAssertEqual(model.counters[.generationTokens], 7_557_572)
        XCTAssertEqual(model.gauges[.prefixCacheHitRate], 0.007507552643049313)
        XCTAssertEqual(model.gauges[.generationThroughput], 86.50814177726902)
        // TTFT: 2513 of 11008 at or below 30 s, the rest in +Inf: the median is the highest finite bound.
        let ttft = try XCTUnwrap(model.histograms[.timeToFirstToken])
        XCTAssertEqual(ttft.quantile(0.5), 30)
        let rank: Double = 0.2 * 11008 - 1970
        let expected: Double = 15 + 5 * rank / 356  // (15, 20] holds 2326 − 1970 = 356
        XCTAssertEqual(ttft.quantile(0.2), expected, accuracy: 1e-9)
        // The `_sum` line comes before the buckets in SGLang's output; it is still this histogram's.
        XCTAssertEqual(ttft.sum, 2.3518979474117756e+06)
        XCTAssertEqual(model.histograms[.endToEndLatency]?.quantile(0.5), 60)
        // func_latency_seconds has `name` but no model label: it is not a model.
        XCTAssertEqual(snapshot.models.map(\.model), ["meta-llama/Llama-3.1-8B-Instruct"])
    }

    func testLlamaCpp() throws {
        let snapshot = ServerSnapshot(exposition: try Self.fixture("llamacpp-ik_llama-pr695.prom"))
        XCTAssertEqual(snapshot.kind, .llamaCpp)
        XCTAssertEqual(snapshot.total.kvCacheUsage, 0.491063)
        XCTAssertEqual(snapshot.total.running, 0)
        XCTAssertEqual(snapshot.total.waiting, 0)
        XCTAssertEqual(snapshot.total.counters[.promptTokens], 6886)
        XCTAssertEqual(snapshot.total.counters[.generationTokens], 3469)
        XCTAssertEqual(snapshot.total.gauges[.generationThroughput], 0.978764)
    }

    func testDCGM() throws {
        let exposition = try Self.fixture("dcgm-exporter-datadog.prom")
        XCTAssertNil(ServerSnapshot.kind(of: exposition))
        let devices = GPUDevice.devices(in: exposition)
        XCTAssertEqual(devices.map(\.uuid), ["GPU-20c56d28-0da5-6d26-a36a-e7af1ce2586e",
                                             "GPU-9ef1b6d0-3643-5dd7-b823-c0ec20dcf2d5", "GPU-abc"])
        let t4 = devices[0]
        XCTAssertEqual(t4.modelName, "Tesla T4")
        XCTAssertEqual(t4.hostname, "424773df46e0")
        XCTAssertEqual(t4.index, "0")
        XCTAssertEqual(t4.memoryFreeMiB, 15109)
        XCTAssertEqual(t4.memoryUsedMiB, 0)
        XCTAssertEqual(t4.memoryTotalMiB, 15109)
        XCTAssertEqual(t4.temperatureC, 25)
        XCTAssertEqual(t4.powerW, 8.969)
        XCTAssertEqual(t4.utilizationPercent, 0)
        XCTAssertNil(t4.podKey)
        XCTAssertEqual(devices[1].memoryReservedMiB, 15109)
        XCTAssertEqual(devices[1].reportedMemoryTotalMiB, 15109)
        XCTAssertEqual(devices[1].powerLimitW, 70)
        let a10 = devices[2]
        XCTAssertEqual(a10.modelName, "NVIDIA A10G")
        XCTAssertEqual(a10.podKey, "ray-llm/ray-1111111")
        XCTAssertEqual(a10.container, "ray-worker")
    }
}
