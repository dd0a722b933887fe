import Foundation
import KvdeckTestSupport
import XCTest

/// `kvdeck top` against `kvdeck demo --serve-only`: over HTTPS, the stand-in pods' /metrics read
/// through the API server's pod proxy, joined to their workloads as the console joins them.
final class TopCommandTests: XCTestCase {
    func testTopWorkloadsAndPodsOfTheDemo() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("kvdeck-top-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let (demo, kubeconfig) = try ServedDemo.start(home: home, seed: true)
        defer { demo.stop() }
        let environment = ["KUBECONFIG": kubeconfig, "HOME": home.path, "PATH": "/usr/bin:/bin"]
        func kvdeck(_ arguments: String...) throws -> CommandRun {
            try CommandRun.run(KvdeckBinary.path, arguments, environment: environment)
        }

        // The demo's pods start within a second or two; wait until top sees them live.
        var workloads = try kvdeck("top", "workloads", "-n", "llm-prod", "--window", "1")
        let deadline = Date().addingTimeInterval(20)
        func ready(_ run: CommandRun) -> Bool {
            let rows = run.stdout.split(separator: "\n").dropFirst()
            return rows.count == 2 && rows.allSatisfy { $0.contains("0%") }
        }
        while !ready(workloads), Date() < deadline {
            Thread.sleep(forTimeInterval: 0.5)
            workloads = try kvdeck("top", "workloads", "-n", "llm-prod", "--window", "1")
        }
        XCTAssertEqual(workloads.status, 0, workloads.stderr)
        let lines = workloads.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first?.split(separator: " ").map(String.init),
                       ["NAME", "KV%", "RUN", "WAIT", "TOK/S", "TTFT-P50", "TTFT-P99", "ITL-P50", "E2E-P99"], workloads.stdout)
        // The stand-in runs nothing and says so: zeros where it measured zero, "-" where nothing was observed.
        let stable = lines.first { $0.hasPrefix("smollm2 ") }?.split(separator: " ").map(String.init)
        XCTAssertEqual(stable, ["smollm2", "0%", "0", "0", "0.0", "-", "-", "-", "-"], workloads.stdout)

        let pods = try kvdeck("top", "pods", "-n", "llm-prod", "--window", "0", "-o", "wide")
        XCTAssertEqual(pods.status, 0, pods.stderr)
        let header = pods.stdout.split(separator: "\n").first.map(String.init) ?? ""
        XCTAssertTrue(header.hasPrefix("NAME") && header.contains("MODEL") && header.contains("GPU-MEM") && header.contains("TOK/STEP"), header)
        let podRows = pods.stdout.split(separator: "\n").dropFirst()
        XCTAssertFalse(podRows.isEmpty)
        XCTAssertTrue(podRows.allSatisfy { $0.hasPrefix("smollm2-") && $0.contains(" smollm2 ") }, pods.stdout)
        // One scrape: no rate, so TOK/S is unknown rather than zero.
        XCTAssertTrue(podRows.allSatisfy { $0.split(separator: " ").map(String.init).contains("-") }, pods.stdout)

        let json = try kvdeck("top", "pods", "-A", "-o", "json", "--window", "0.5")
        XCTAssertEqual(json.status, 0, json.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let items = object?["items"] as? [[String: Any]] ?? []
        XCTAssertFalse(items.isEmpty, json.stdout)
        XCTAssertTrue(items.contains { $0["status"] as? String == "live" }, json.stdout)
        for item in items where item["status"] as? String != "not-running" {
            XCTAssertEqual(item["namespace"] as? String, "llm-prod")
            XCTAssertEqual(item["status"] as? String, "live", "\(item)")
            let numbers = item["numbers"] as? [String: Any]
            XCTAssertEqual(numbers?["running"] as? Double, 0)
            XCTAssertEqual(numbers?["generationTokensPerSecond"] as? Double, 0)
            XCTAssertNil(numbers?["ttftP99"], "nothing observed: left out")
        }

        let all = try kvdeck("top", "workloads", "-A", "--window", "0")
        XCTAssertTrue(all.stdout.hasPrefix("NAMESPACE"), all.stdout)

        let empty = try kvdeck("top", "workloads", "-n", "default", "--window", "0")
        XCTAssertEqual(empty.status, 0)
        XCTAssertEqual(empty.stderr, "No inference workloads found in default namespace.\n")

        let wrong = try kvdeck("top", "nodes")
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("nodes"), wrong.stderr)

        let badProm = try kvdeck("top", "pods", "--prometheus", "not a url")
        XCTAssertNotEqual(badProm.status, 0)
        XCTAssertTrue(badProm.stderr.contains("--prometheus takes"), badProm.stderr)

        // The console's config.yaml names the context's metrics source too, and is read by top.
        let config = home.appendingPathComponent(".config/kvdeck")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        try "contexts:\n  kvdeck-local:\n    metrics: {source: prometheus, url: \"not a url\"}\n"
            .write(to: config.appendingPathComponent("config.yaml"), atomically: true, encoding: .utf8)
        let badConfig = try kvdeck("top", "pods", "-n", "llm-prod")
        XCTAssertNotEqual(badConfig.status, 0)
        XCTAssertTrue(badConfig.stderr.contains("contexts.kvdeck-local.metrics.url"), badConfig.stderr)
    }
}
