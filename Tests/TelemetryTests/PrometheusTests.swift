import Foundation
import Kube
@testable import Telemetry
import XCTest

/// The Prometheus HTTP API path: answers decoded as Prometheus writes them, and the fleet query that
/// turns per-pod rates and bucket rates into the same numbers the pod scrape gives.
final class PrometheusTests: XCTestCase {
    /// Answers `/api/v1/query` from a table of PromQL → result JSON; records what was asked.
    final class RecordedPrometheus: HTTPTransport, @unchecked Sendable {
        let answers: [String: String]
        private let lock = NSLock()
        private var asked: [URL] = []
        init(_ answers: [String: String]) { self.answers = answers }
        var requests: [URL] { lock.withLock { asked } }

        func send(_ request: HTTPRequest) async throws -> HTTPResponse {
            lock.withLock { asked.append(request.url) }
            let query = URLComponents(url: request.url, resolvingAgainstBaseURL: false)?.queryItems?.first { $0.name == "query" }?.value ?? ""
            let result = answers[query] ?? "[]"
            let type = request.url.path.hasSuffix("query_range") ? "matrix" : "vector"
            return HTTPResponse(status: 200, headers: ["content-type": "application/json"],
                                body: Data(#"{"status":"success","data":{"resultType":"\#(type)","result":\#(result)}}"#.utf8))
        }
        func stream(_ request: HTTPRequest) async throws -> StreamingResponse { throw TransportError.invalidRequest("no streams") }
    }

    static func vector(_ rows: [([String: String], String)]) -> String {
        let items = rows.map { labels, value in
            let metric = labels.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value)\"" }.joined(separator: ",")
            return "{\"metric\":{\(metric)},\"value\":[1700000000.5,\"\(value)\"]}"
        }
        return "[" + items.joined(separator: ",") + "]"
    }

    func testEndpointsParse() {
        XCTAssertEqual(PrometheusEndpoint(parsing: "http://prometheus.monitoring:9090"), .url(URL(string: "http://prometheus.monitoring:9090")!))
        XCTAssertEqual(PrometheusEndpoint(parsing: "service/monitoring/prometheus-k8s:web"),
                       .service(namespace: "monitoring", name: "prometheus-k8s", port: "web", scheme: .http))
        XCTAssertEqual(PrometheusEndpoint(parsing: "svc/monitoring/https:prom"),
                       .service(namespace: "monitoring", name: "prom", port: "9090", scheme: .https))
        XCTAssertNil(PrometheusEndpoint(parsing: "ftp://x"))
        XCTAssertNil(PrometheusEndpoint(parsing: "service/only-one-part"))
    }

    func testFleetQueryGivesPerPodNumbers() async throws {
        let pod0 = ["namespace": "llm", "pod": "qwen-0"], pod1 = ["namespace": "llm", "pod": "qwen-1"]
        func bucket(_ pod: [String: String], _ le: String) -> [String: String] { pod.merging(["le": le]) { $1 } }
        let transport = RecordedPrometheus([
            "sum by (namespace, pod) (vllm:num_requests_running)": Self.vector([(pod0, "3"), (pod1, "1")]),
            // qwen-1 is an older server: only the old name (and qwen-0 emits both: read once).
            "max by (namespace, pod) (vllm:kv_cache_usage_perc)": Self.vector([(pod0, "0.5")]),
            "max by (namespace, pod) (vllm:gpu_cache_usage_perc)": Self.vector([(pod0, "0.9"), (pod1, "0.25")]),
            "sum by (namespace, pod) (rate(vllm:generation_tokens_total[60s]))": Self.vector([(pod0, "120.5"), (pod1, "NaN")]),
            "sum by (namespace, pod, le) (rate(vllm:time_to_first_token_seconds_bucket[60s]))": Self.vector([
                (bucket(pod0, "0.1"), "1"), (bucket(pod0, "0.5"), "2"), (bucket(pod0, "+Inf"), "2"),
            ]),
        ])
        let client = PrometheusClient(endpoint: .url(URL(string: "http://prom.test:9090")!), kube: nil, transport: transport)
        let windows = try await PrometheusFleetQuery(client: client, windowSeconds: 60).read()
        XCTAssertEqual(Set(windows.keys), ["llm/qwen-0", "llm/qwen-1"])
        let qwen0 = DerivedNumbers(window: windows["llm/qwen-0"]!)
        XCTAssertEqual(qwen0.running, 3)
        XCTAssertEqual(qwen0.kvCacheUsage, 0.5, "the current name wins when both are present")
        XCTAssertEqual(qwen0.generationTokensPerSecond, 120.5)
        // Bucket rates 1/s ≤ 0.1, 1/s in (0.1, 0.5]: p50 = 0.1, p99 = 0.1 + 0.4 × 0.98.
        XCTAssertEqual(qwen0.ttftP50 ?? 0, 0.1, accuracy: 1e-12)
        XCTAssertEqual(qwen0.ttftP99 ?? 0, 0.1 + 0.4 * 0.98, accuracy: 1e-12)
        let qwen1 = DerivedNumbers(window: windows["llm/qwen-1"]!)
        XCTAssertEqual(qwen1.kvCacheUsage, 0.25)
        XCTAssertNil(qwen1.generationTokensPerSecond, "NaN from Prometheus is unknown")
        XCTAssertNil(qwen1.ttftP50)
        // `+` in PromQL must reach Prometheus as %2B, never as a space.
        XCTAssertTrue(transport.requests.allSatisfy { !($0.query ?? "").contains("+") })

        // The same through the scheduler: one target, many pods.
        let scraper = Scraper(fetcher: ClusterMetricsFetcher(kube: nil, transport: transport))
        await scraper.setTargets([ScrapeTarget(source: .prometheus(.url(URL(string: "http://prom.test:9090")!)))])
        await scraper.scrapeDue()
        let snapshot = await scraper.snapshot()
        XCTAssertEqual(snapshot.pod("llm/qwen-0").freshness, .live)
        XCTAssertEqual(snapshot.pod("llm/qwen-0").numbers?.running, 3)
        XCTAssertEqual(snapshot.combined(["llm/qwen-0", "llm/qwen-1"]).numbers?.running, 4)
    }

    func testRangeQueriesAndErrors() async throws {
        let transport = RecordedPrometheus([
            "vllm:num_requests_running": #"[{"metric":{"pod":"a"},"values":[[1700000000,"1"],[1700000015,"4"]]}]"#,
        ])
        let client = PrometheusClient(endpoint: .url(URL(string: "http://prom.test:9090")!), kube: nil, transport: transport)
        let series = try await client.queryRange("vllm:num_requests_running", start: Date(timeIntervalSince1970: 1_700_000_000),
                                                 end: Date(timeIntervalSince1970: 1_700_000_015), step: 15)
        XCTAssertEqual(series.first?.points.map(\.value), [1, 4])
        XCTAssertEqual(series.first?.labels["pod"], "a")
        let asked = try XCTUnwrap(transport.requests.last)
        XCTAssertTrue(asked.path.hasSuffix("/api/v1/query_range"))
        XCTAssertTrue(asked.query?.contains("step=15") ?? false, asked.absoluteString)

        struct Failing: HTTPTransport {
            func send(_ request: HTTPRequest) async throws -> HTTPResponse {
                HTTPResponse(status: 400, body: Data(#"{"status":"error","errorType":"bad_data","error":"parse error at char 5"}"#.utf8))
            }
            func stream(_ request: HTTPRequest) async throws -> StreamingResponse { throw TransportError.cancelled }
        }
        let failing = PrometheusClient(endpoint: .url(URL(string: "http://prom.test")!), kube: nil, transport: Failing())
        do {
            _ = try await failing.query("sum(")
            XCTFail("an error answer must throw")
        } catch let error as ScrapeError {
            XCTAssertEqual(error.description, "Prometheus: bad_data: parse error at char 5")
        }
    }
}
