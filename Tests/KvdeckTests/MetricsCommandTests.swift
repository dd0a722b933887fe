import Foundation
import KvdeckTestSupport
import XCTest

/// `kvdeck metrics` run as a user runs it: the built binary on the recorded dumps, two samples for
/// rates and quantiles, JSON, and the errors a person meets (no file, bad URL, not metrics).
final class MetricsCommandTests: XCTestCase {
    static let fixtures = SharedFixtures.root.appendingPathComponent("fixtures/metrics")

    func kvdeck(_ arguments: String...) throws -> CommandRun {
        try CommandRun.run(KvdeckBinary.path, arguments, environment: ["HOME": NSTemporaryDirectory(), "PATH": "/usr/bin:/bin"])
    }

    func temporaryFile(_ text: String, name: String = UUID().uuidString + ".prom") throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }

    func testARecordedVLLMDump() throws {
        let run = try kvdeck("metrics", Self.fixtures.appendingPathComponent("vllm-0.5.x-kubeai.prom").path)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("Format:     Prometheus text 0.0.4,"), run.stdout)
        XCTAssertTrue(run.stdout.contains("no bad lines"), run.stdout)
        XCTAssertTrue(run.stdout.contains("Server:     vLLM"), run.stdout)
        XCTAssertTrue(run.stdout.contains("Version:"), run.stdout)
        XCTAssertTrue(run.stdout.contains("running") && run.stdout.contains("← vllm:num_requests_running"), run.stdout)
        XCTAssertTrue(run.stdout.contains("MODEL") && run.stdout.contains("KV%") && run.stdout.contains("WAIT"), run.stdout)
        XCTAssertFalse(run.stdout.contains("Window:"), "one sample: no rates")
    }

    func testOtherServersAndGPUs() throws {
        let sglang = try kvdeck("metrics", Self.fixtures.appendingPathComponent("sglang-docs-llama3.1-8b.prom").path)
        XCTAssertEqual(sglang.status, 0, sglang.stderr)
        XCTAssertTrue(sglang.stdout.contains("Server:     SGLang"), sglang.stdout)
        let llama = try kvdeck("metrics", Self.fixtures.appendingPathComponent("llamacpp-ik_llama-pr695.prom").path)
        XCTAssertTrue(llama.stdout.contains("Server:     llama.cpp server"), llama.stdout)
        let dcgm = try kvdeck("metrics", Self.fixtures.appendingPathComponent("dcgm-exporter-datadog.prom").path)
        XCTAssertEqual(dcgm.status, 0, dcgm.stderr)
        XCTAssertTrue(dcgm.stdout.contains("DCGM exporter"), dcgm.stdout)
        XCTAssertTrue(dcgm.stdout.contains("Tesla T4"), dcgm.stdout)
    }

    func testTwoSamplesGiveRatesAndQuantiles() throws {
        func sample(generation: Int, ttft: [Int]) -> String {
            var text = "# TYPE vllm:generation_tokens_total counter\n"
            text += "vllm:generation_tokens_total{engine=\"0\",model_name=\"qwen\"} \(generation).0\n"
            text += "# TYPE vllm:time_to_first_token_seconds histogram\n"
            for (le, count) in zip(["0.1", "0.5", "1.0", "+Inf"], ttft) {
                text += "vllm:time_to_first_token_seconds_bucket{engine=\"0\",le=\"\(le)\",model_name=\"qwen\"} \(count).0\n"
            }
            return text + "vllm:num_requests_running{engine=\"0\",model_name=\"qwen\"} 3.0\n"
        }
        let before = try temporaryFile(sample(generation: 1000, ttft: [10, 20, 20, 20]))
        let after = try temporaryFile(sample(generation: 2500, ttft: [10, 30, 40, 40]))
        let run = try kvdeck("metrics", before, "--then", after, "--interval", "15")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("Window: 15 s"), run.stdout)
        // 1500 tokens over 15 s; TTFT p50 500ms and p99 990ms from the bucket deltas (by hand).
        let windowTable = run.stdout.components(separatedBy: "Window:").last ?? ""
        let row = windowTable.split(separator: "\n").first { $0.hasPrefix("qwen ") }.map(String.init) ?? ""
        let cells = row.split(separator: " ").map(String.init)
        XCTAssertEqual(Array(cells.prefix(6)), ["qwen", "100", "-", "-", "500ms", "990ms"], run.stdout)

        let json = try kvdeck("metrics", before, "--then", after, "--interval", "15", "-o", "json")
        XCTAssertEqual(json.status, 0, json.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let window = object?["window"] as? [String: Any]
        let total = window?["total"] as? [String: Any]
        XCTAssertEqual(window?["seconds"] as? Double, 15)
        XCTAssertEqual(total?["generationTokensPerSecond"] as? Double, 100)
        XCTAssertEqual(total?["ttftP99"] as? Double ?? 0, 0.99, accuracy: 1e-9)
        XCTAssertNil(total?["itlP50"], "unknown is left out, never 0")
        XCTAssertEqual((object?["server"] as? [String: Any])?["kind"] as? String, "vLLM")
    }

    func testDisabledMetricsAreSaidSo() throws {
        let path = try temporaryFile("# TYPE http_requests_total counter\nhttp_requests_total{handler=\"/v1/models\"} 3.0\n")
        let run = try kvdeck("metrics", path)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("Metrics:    disabled"), run.stdout)
        let json = try kvdeck("metrics", path, "-o", "json")
        XCTAssertTrue(json.stdout.contains("\"metricsDisabled\" : true"), json.stdout)
    }

    func testErrorsAreClear() throws {
        let missing = try kvdeck("metrics", "/nonexistent/metrics.prom")
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr, "error: cannot read /nonexistent/metrics.prom: no such file\n")

        let scheme = try kvdeck("metrics", "ftp://example.com/metrics")
        XCTAssertEqual(scheme.status, 1)
        XCTAssertTrue(scheme.stderr.contains("unsupported URL scheme \"ftp\""), scheme.stderr)

        let noHost = try kvdeck("metrics", "http://")
        XCTAssertEqual(noHost.status, 1)
        XCTAssertTrue(noHost.stderr.hasPrefix("error: \"http://\" is not a valid URL"), noHost.stderr)

        let refused = try kvdeck("metrics", "http://127.0.0.1:1/metrics", "--timeout", "2")
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.hasPrefix("error: cannot fetch http://127.0.0.1:1/metrics: "), refused.stderr)

        let html = try temporaryFile("<!DOCTYPE html>\n<html><body>Sign in</body></html>\n")
        let notMetrics = try kvdeck("metrics", html)
        XCTAssertEqual(notMetrics.status, 1)
        XCTAssertTrue(notMetrics.stderr.hasPrefix("error: \(html) is not a metrics exposition (line 1: "), notMetrics.stderr)

        let noInterval = try kvdeck("metrics", html, "--then", html)
        XCTAssertNotEqual(noInterval.status, 0)
        XCTAssertTrue(noInterval.stderr.contains("--then needs --interval"), noInterval.stderr)

        let help = try kvdeck("metrics", "--help")
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("--then") && help.stdout.contains("--interval") && help.stdout.contains("Examples:"), help.stdout)
    }

    /// A URL read twice: the local test server answers a growing counter.
    func testAURLIsReadTwiceWithAnInterval() throws {
        let server = try ScriptServer.metrics()
        defer { server.stop() }
        let run = try kvdeck("metrics", server.url + "/metrics", "--interval", "1")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("Window: 1"), run.stdout)
    }
}
