import KvdeckTestSupport
import Engine
import Foundation
import Telemetry
import XCTest
@testable import EngineServer

/// `/metrics` read back with the console's own parser: the console must see this server exactly
/// as it sees a vLLM V1 pod (reference §1).
final class MetricsExpositionTests: XCTestCase {
    func testTheConsoleReadsOurMetricsAsVLLMV1() async throws {
        try await RunningServer.with { s in
        for i in 0..<3 {
            let r = try await s.post("/v1/completions", #"{"model":"fake-smollm2","prompt":"Hello number \#(i)","max_tokens":5,"ignore_eos":true}"#)
            XCTAssertEqual(r.status, 200, r.body)
        }
        let reply = try await s.get("/metrics")
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(reply.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8")
        let v1 = try await s.get("/metrics/").body.isEmpty
        XCTAssertEqual(v1, false, "the trailing slash answers too, without a redirect")

        let exposition = Exposition(parsing: reply.body)
        XCTAssertEqual(exposition.issues, [], "every line parses")
        let snapshot = ServerSnapshot(exposition: exposition)
        XCTAssertEqual(snapshot.kind, .vllm)
        XCTAssertEqual(snapshot.generation, .v1)
        XCTAssertFalse(snapshot.metricsDisabled)
        let model = try XCTUnwrap(snapshot.model("fake-smollm2"))
        XCTAssertEqual(model.engines, ["0"])
        XCTAssertEqual(model.counters[.generationTokens], 15)
        XCTAssertEqual(model.counters[.requestsFinished], 3)
        XCTAssertEqual(model.gauges[.running], 0)
        XCTAssertEqual(model.gauges[.waiting], 0)
        XCTAssertEqual(model.gauges[.kvCacheUsage].map { $0 < 0.05 }, true, "only prefix-cached blocks may stay")
        XCTAssertEqual(model.histograms[.timeToFirstToken]?.count, 3)
        XCTAssertEqual(model.histograms[.timeToFirstToken]?.buckets.count, 23, "vLLM's 22 bounds and +Inf")
        XCTAssertEqual(model.histograms[.interTokenLatency]?.count, 12)
        XCTAssertEqual(model.histograms[.iterationTokens]?.buckets.map(\.upperBound).dropLast(),
                       [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384])
        XCTAssertEqual(snapshot.cacheConfig?.blockSize, 16)
        XCTAssertEqual(snapshot.cacheConfig?.numGPUBlocks, 512)
        XCTAssertEqual(snapshot.cacheConfig?.enablePrefixCaching, true)
        XCTAssertEqual(snapshot.cacheConfig?.engine, "0")

        // The wire details a scraper sees.
        XCTAssertTrue(reply.body.contains("# HELP vllm:num_requests_running Number of requests in model execution batches.\n# TYPE vllm:num_requests_running gauge\n"))
        XCTAssertTrue(reply.body.contains(#"vllm:request_success_total{engine="0",finished_reason="length",model_name="fake-smollm2"} 3.0"#))
        XCTAssertTrue(reply.body.contains(#"vllm:time_to_first_token_seconds_bucket{engine="0",le="0.001",model_name="fake-smollm2"}"#))
        XCTAssertTrue(reply.body.contains(#"vllm:generation_tokens_total{engine="0",model_name="fake-smollm2"} 15.0"#))
        }
    }

    func testDisableLogStatsLeavesNoVLLMFamily() async throws {
        try await RunningServer.with(configure: { $0.disableLogStats = true }) { s in
            let reply = try await s.get("/metrics")
            XCTAssertEqual(reply.status, 200)
            XCTAssertFalse(reply.body.contains("vllm:"))
            XCTAssertTrue(ServerSnapshot(exposition: Exposition(parsing: reply.body)).metricsDisabled)
        }
    }

    func testRendererFormatsLikePrometheusClient() {
        XCTAssertEqual(VLLMMetricsText.format(3), "3.0")
        XCTAssertEqual(VLLMMetricsText.format(0.001), "0.001")
        XCTAssertEqual(VLLMMetricsText.format(.infinity), "+Inf")
        XCTAssertEqual(VLLMMetricsText.escape("a\"b\\c\nd"), #"a\"b\\c\nd"#)
    }
}
