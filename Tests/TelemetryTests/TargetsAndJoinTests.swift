import Foundation
import Kube
import KvdeckTestSupport
@testable import Telemetry
import XCTest

/// Where a pod's metrics are read from (the port from its spec), how GPU rows join pods, and how a
/// workload's pods add up.
final class TargetsAndJoinTests: XCTestCase {
    /// Pods as the API server sends them (the models are read views, decoded from JSON).
    static func pod(_ name: String, containers: [[String: Any]], labels: [String: String] = [:]) -> Pod {
        let object: [String: Any] = ["metadata": ["name": name, "namespace": "llm", "labels": labels],
                                     "spec": ["containers": containers]]
        return try! JSONDecoder().decode(Pod.self, from: JSONSerialization.data(withJSONObject: object))
    }

    static func container(_ name: String = "engine", ports: [(String?, Int)] = [], command: [String] = [], args: [String] = []) -> [String: Any] {
        var c: [String: Any] = ["name": name, "command": command, "args": args]
        if !ports.isEmpty {
            c["ports"] = ports.map { port -> [String: Any] in
                var p: [String: Any] = ["containerPort": port.1]
                if let name = port.0 { p["name"] = name }
                return p
            }
        }
        return c
    }

    func testTheMetricsPortComesFromTheSpec() {
        func port(_ containers: [[String: Any]], serving: String? = nil) -> String {
            MetricsPort.of(Self.pod("p", containers: containers), container: serving)
        }
        XCTAssertEqual(port([Self.container(ports: [("grpc", 9000), ("http", 8080)])]), "8080", "named http")
        XCTAssertEqual(port([Self.container(ports: [("http", 8080), ("metrics", 9090)])]), "9090", "named metrics wins")
        XCTAssertEqual(port([Self.container(args: ["--model", "m", "--port", "8001"])]), "8001", "vLLM's --port")
        XCTAssertEqual(port([Self.container(args: ["--port=8002"])]), "8002")
        XCTAssertEqual(port([Self.container(command: ["sh", "-c", "vllm serve Qwen/Qwen2.5 --port 8003 --tp 2"])]), "8003")
        XCTAssertEqual(port([Self.container(ports: [(nil, 30000)])]), "30000", "the only declared port")
        XCTAssertEqual(port([Self.container()]), "8000", "vLLM's default")
        // A sidecar's named port does not win over the serving container's.
        let sidecar = Self.container("proxy", ports: [("http", 15001)])
        XCTAssertEqual(port([sidecar, Self.container(args: ["--port", "8004"])], serving: "engine"), "8004")

        var exporter = Self.pod("nvidia-dcgm-exporter-x7k2p", containers: [Self.container("exporter", ports: [("metrics", 9400)])],
                                labels: ["app": "nvidia-dcgm-exporter"])
        exporter.metadata.namespace = "gpu-operator"
        XCTAssertTrue(GPUExporterDiscovery.isExporter(exporter))
        XCTAssertEqual(ScrapeTarget.pod(exporter, role: .gpuExporter)?.description,
                       "/api/v1/namespaces/gpu-operator/pods/nvidia-dcgm-exporter-x7k2p:9400/proxy/metrics")
    }

    func testGPURowsJoinPodsByTheExportersLabels() async throws {
        // The recorded exporter ran without pod attribution; the Kubernetes mode adds pod/namespace/container.
        let recorded = try String(contentsOf: FixtureTests.directory.appendingPathComponent("dcgm-exporter-datadog.prom"), encoding: .utf8)
        let attributed = recorded.replacingOccurrences(of: "Hostname=\"424773df46e0\"",
                                                       with: "Hostname=\"424773df46e0\",container=\"engine\",namespace=\"llm\",pod=\"qwen-0\"")
        let fetcher = ScriptedFetcher()
        let exporter = ScrapeTarget(source: .url(URL(string: "http://dcgm.test:9400/metrics")!), role: .gpuExporter)
        let server = ScrapeTarget.url("http://qwen-0.test/metrics")
        await fetcher.set(exporter.key, .body(attributed))
        await fetcher.set(server.key, .body(VLLMText.make()))
        let scraper = Scraper(fetcher: fetcher)
        await scraper.setTargets([exporter])
        await scraper.scrapeDue()
        let snapshot = await scraper.snapshot()
        let gpus = snapshot.pod("llm/qwen-0").gpus
        XCTAssertEqual(gpus.count, 1)
        XCTAssertEqual(gpus.first?.container, "engine")
        XCTAssertEqual(gpus.first?.modelName, "Tesla T4")
        XCTAssertEqual(gpus.first?.memoryUsedMiB, 0)
        XCTAssertNotNil(gpus.first?.memoryTotalMiB)
        XCTAssertEqual(snapshot.pod("llm/qwen-0").freshness, .loading, "GPU rows alone do not make server numbers")
        XCTAssertEqual(snapshot.pod("llm/other").gpus.count, 0)
    }

    func testAWorkloadsQuantilesComeFromItsPodsMergedBuckets() throws {
        // Two pods' windows with the same layout; the workload's p99 is that of all requests together,
        // checked against the sorted list of the observations the buckets stand for.
        let bounds: [Double] = [0.1, 0.5, 1, 5, .infinity]
        let fast: [Double] = [4, 6, 0, 0, 0]      // per-bucket counts, not cumulative
        let slow: [Double] = [0, 1, 3, 5, 1]
        func window(_ counts: [Double], running: Double, kv: Double, rate: Double) -> ModelWindow {
            var cumulative = 0.0
            let buckets = zip(bounds, counts).map { bound, count -> Histogram.Bucket in
                cumulative += count
                return Histogram.Bucket(upperBound: bound, cumulativeCount: cumulative)
            }
            var latest = ModelMetrics(model: "")
            latest.gauges[.running] = running
            latest.gauges[.kvCacheUsage] = kv
            var w = ModelWindow(model: "", latest: latest)
            w.histograms[.timeToFirstToken] = Histogram(buckets: buckets, sum: nil, count: cumulative)
            w.rates[.generationTokens] = rate
            return w
        }
        let combined = try XCTUnwrap(ModelWindow.combining([window(fast, running: 3, kv: 0.4, rate: 100),
                                                            window(slow, running: 5, kv: 0.9, rate: 50)]))
        let numbers = DerivedNumbers(window: combined)
        XCTAssertEqual(numbers.running, 8)
        XCTAssertEqual(numbers.kvCacheUsage, 0.9, "the fullest pod")
        XCTAssertEqual(numbers.generationTokensPerSecond, 150)

        // Independent: spread each bucket's count evenly over its range and read the rank linearly.
        func reference(_ q: Double) -> Double {
            let counts = zip(fast, slow).map { $0 + $1 }
            let total = counts.reduce(0, +)
            let rank = q * total
            var below = 0.0
            for (index, count) in counts.enumerated() {
                if below + count >= rank, count > 0 {
                    if bounds[index] == .infinity { return bounds[index - 1] }
                    let lower = index == 0 ? 0 : bounds[index - 1]
                    return lower + (bounds[index] - lower) * (rank - below) / count
                }
                below += count
            }
            return .nan
        }
        XCTAssertEqual(numbers.ttftP50 ?? 0, reference(0.5), accuracy: 1e-12)
        XCTAssertEqual(numbers.ttftP90 ?? 0, reference(0.9), accuracy: 1e-12)
        XCTAssertEqual(numbers.ttftP99 ?? 0, reference(0.99), accuracy: 1e-12)
        // By hand: merged counts 4, 7, 3, 5, 1 (20); rank 10 is the 6th of 7 in (0.1, 0.5].
        XCTAssertEqual(numbers.ttftP50 ?? 0, 0.1 + 0.4 * 6 / 7, accuracy: 1e-12)
        // An average of the two pods' p99s would say something else entirely.
        let alone = DerivedNumbers(window: window(fast, running: 0, kv: 0, rate: 0))
        XCTAssertNotEqual(numbers.ttftP99, alone.ttftP99)
    }

    func testWorkloadFreshnessIsTheBestOfItsPods() {
        XCTAssertEqual(TelemetrySnapshot.best([.loading, .live, .failing(.timedOut(seconds: 1))]), .live)
        XCTAssertEqual(TelemetrySnapshot.best([.stale(age: 30), .stale(age: 20), .loading]), .stale(age: 20))
        XCTAssertEqual(TelemetrySnapshot.best([.metricsDisabled, .metricsDisabled]), .metricsDisabled)
        XCTAssertEqual(TelemetrySnapshot.best([.failing(.timedOut(seconds: 1)), .metricsDisabled]), .failing(.timedOut(seconds: 1)))
        XCTAssertEqual(TelemetrySnapshot().combined([]).freshness, .live, "no pods: nothing to wait for")
        XCTAssertNil(TelemetrySnapshot().combined([]).numbers)
    }
}
