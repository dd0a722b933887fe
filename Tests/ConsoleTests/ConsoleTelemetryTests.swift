import Console
import Foundation
import Kube
import KvdeckTestSupport
import Telemetry
import Terminal
import XCTest

/// The metric columns of the workloads and pods screens, filled from the scraper's snapshots: live
/// numbers, loading, metrics disabled, scrape errors, stale values.
final class ConsoleTelemetryTests: XCTestCase {
    /// Bodies by target key, changeable between cycles; no body is a 503.
    final class Bodies: MetricsFetching, @unchecked Sendable {
        private let lock = NSLock()
        private var bodies: [String: String] = [:]
        subscript(key: String) -> String? {
            get { lock.withLock { bodies[key] } }
            set { lock.withLock { bodies[key] = newValue } }
        }
        func fetch(_ target: ScrapeTarget) async throws -> FetchedMetrics {
            guard let body = self[target.key] else { throw ScrapeError.httpStatus(503, detail: "Service Unavailable") }
            return .exposition(Data(body.utf8), contentType: nil)
        }
    }

    static func vllm(generation: Double, ttft: [Double]) -> String {
        let labels = #"engine="0",model_name="Qwen/Qwen2.5-7B-Instruct""#
        var text = """
        vllm:num_requests_running{\(labels)} 2.0
        vllm:num_requests_waiting{\(labels)} 1.0
        vllm:kv_cache_usage_perc{\(labels)} 0.25
        vllm:generation_tokens_total{\(labels)} \(generation)
        # TYPE vllm:time_to_first_token_seconds histogram

        """
        for (le, count) in zip(["0.1", "0.5", "1.0", "+Inf"], ttft) {
            text += "vllm:time_to_first_token_seconds_bucket{engine=\"0\",le=\"\(le)\",model_name=\"Qwen/Qwen2.5-7B-Instruct\"} \(count)\n"
        }
        return text
    }

    private func recordedState() throws -> ClusterState {
        func load<T: KubeResource>(_ type: T.Type, _ path: String) throws -> [T] {
            try KubeList<T>(listBody: Data(contentsOf: SharedFixtures.realAPIServer.appendingPathComponent(path))).items
        }
        var state = ClusterState()
        state.deployments = InformerSnapshot(items: try load(Deployment.self, "05-lists/deployments.all-namespaces.json"), state: .synced)
        state.statefulSets = InformerSnapshot(items: try load(StatefulSet.self, "05-lists/statefulsets.json"), state: .synced)
        state.pods = InformerSnapshot(items: try load(Pod.self, "05-lists/pods.all-namespaces.json"), state: .synced)
        return state
    }

    private func row(_ frame: CellBuffer, _ prefix: String) -> String? {
        (4..<frame.height).map(frame.line).first { $0.hasPrefix(prefix) }
    }

    @MainActor func testMetricColumnsShowLiveDisabledFailingLoadingAndStale() async throws {
        var state = try recordedState()
        let targets = state.scrapeTargets()
        XCTAssertTrue(targets.map(\.description).contains("/api/v1/namespaces/llm-prod/pods/vllm-qwen-7f688bc75d-d9clg:8000/proxy/metrics"),
                      targets.map(\.description).joined(separator: "\n"))
        XCTAssertFalse(targets.contains { $0.key.hasPrefix("kube-system/") }, "only inference pods are scraped")

        let session = ConsoleSession(connection: ConnectionSummary(context: "prod", cluster: "gpu-east", user: "ops", namespace: nil),
                                     version: "0.1.0")
        // Before the first scrape: loading, not zeros.
        var frame = session.render(state, width: 220, height: 30, theme: .standard, glyphs: .unicode)
        let header = frame.line(3)
        XCTAssertTrue(header.contains("KV%") && header.contains("TTFT-P99") && header.contains("E2E-P99"), header)
        var qwen = try XCTUnwrap(row(frame, "llm-prod   vllm-qwen") ?? row(frame, "llm-prod"), frame.text)
        XCTAssertTrue(qwen.contains("…"), qwen)

        let clock = ManualClock()
        let bodies = Bodies()
        bodies["llm-prod/vllm-qwen-7f688bc75d-d9clg"] = Self.vllm(generation: 1000, ttft: [10, 20, 20, 20])
        bodies["llm-prod/vllm-qwen-7f688bc75d-gdzjh"] = "http_requests_total{handler=\"/v1/completions\"} 4.0\n"
        let scraper = Scraper(fetcher: bodies, configuration: .init(interval: 5), now: clock.function)
        await scraper.setTargets(targets)
        await scraper.scrapeDue()
        clock.advance(by: 5)
        bodies["llm-prod/vllm-qwen-7f688bc75d-d9clg"] = Self.vllm(generation: 1500, ttft: [10, 30, 40, 40])
        await scraper.scrapeDue()
        state.telemetry = await scraper.snapshot()

        frame = session.render(state, width: 220, height: 30, theme: .standard, glyphs: .unicode)
        qwen = try XCTUnwrap(row(frame, "llm-prod"), frame.text)
        // One pod live (the others disabled and failing add nothing): 25% 2 1, 100 tok/s, TTFT p50 500ms, p99 990ms.
        let cells = qwen.split(separator: " ").map(String.init)
        XCTAssertTrue(cells.contains("25%") && cells.contains("100") && cells.contains("500ms") && cells.contains("990ms"), qwen)
        XCTAssertEqual(cells.filter { $0 == "-" }.count, 3, "ITL-P50, E2E-P99 and CANARY are unknown: \(qwen)")

        // The pods: live, disabled, err.
        let index = state.workloads(servingOnly: true).firstIndex { $0.key == "llm-prod/vllm-qwen" }!
        for _ in 0..<index { session.handle(.down, state: state, height: 30) }
        session.handle(.enter, state: state, height: 30)
        frame = session.render(state, width: 220, height: 30, theme: .standard, glyphs: .unicode)
        XCTAssertTrue(frame.line(3).hasPrefix("NAME") && frame.line(3).contains("GPU-MEM"), frame.line(3))
        let live = try XCTUnwrap(row(frame, "vllm-qwen-7f688bc75d-d9clg"), frame.text)
        XCTAssertTrue(live.contains("25%") && live.contains("990ms"), live)
        let disabled = try XCTUnwrap(row(frame, "vllm-qwen-7f688bc75d-gdzjh"))
        XCTAssertTrue(disabled.contains("disabled"), disabled)
        XCTAssertFalse(disabled.contains("0%"), "disabled is never shown as zeros: \(disabled)")
        let failing = try XCTUnwrap(row(frame, "vllm-qwen-7f688bc75d-pw2f9"))
        XCTAssertTrue(failing.contains("err"), failing)

        // Twenty seconds without a scrape: the values stay, marked stale.
        clock.advance(by: 20)
        state.telemetry = await scraper.snapshot()
        frame = session.render(state, width: 220, height: 30, theme: .standard, glyphs: .unicode)
        let stale = try XCTUnwrap(row(frame, "vllm-qwen-7f688bc75d-d9clg"))
        XCTAssertTrue(stale.contains("~25%") && stale.contains("~990ms"), stale)

        // Enter: the live pod's detail graphs its history (two scrapes), the rest says so.
        session.handle(.enter, state: state, height: 30)
        frame = session.render(state, width: 220, height: 40, theme: .standard, glyphs: .unicode)
        XCTAssertTrue(frame.line(2).contains("pod(llm-prod/vllm-qwen-7f688bc75d-d9clg)"), frame.line(2))
        let graphRows = frame.text.split(separator: "\n").map(String.init)
        XCTAssertTrue(graphRows.contains { $0.contains("100 tok/s") }, frame.text)
        XCTAssertTrue(graphRows.contains { $0.contains("GPU-MEM %") && $0.contains("no metrics yet") }, frame.text)
    }
}
