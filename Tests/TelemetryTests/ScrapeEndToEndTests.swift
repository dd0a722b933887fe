import Foundation
import Kube
import KvdeckTestSupport
import LocalClusterTestSupport
@testable import LocalCluster
import Telemetry
import XCTest
import YAML

/// Scraping the local cluster's stand-in pods through the API server's pod proxy: real requests
/// through the real client (`proxyGet`) into the local API, the port taken from each pod's spec.
final class ScrapeEndToEndTests: XCTestCase {
    var kubelet: StandInKubelet!
    var api: LocalAPI!
    var manager: ControllerManager!
    var client: KubeClient!

    override func setUp() async throws {
        kubelet = StandInKubelet()
        let cluster = try await RunningLocalCluster.start(namespace: "llm", recordedNodes: false, podStartDelay: .milliseconds(20),
                                                          podTerminationDelay: .milliseconds(20), kubelet: kubelet)
        (api, manager, client) = (cluster.api, cluster.manager, cluster.client)
    }

    override func tearDown() async throws {
        await manager.stop()
    }

    /// An engine pod whose metrics port is named `http` (`port`), or given only as `--port` (`portArgument`).
    func createEnginePod(_ name: String, model: String, port: Int? = 8000, portArgument: Int? = nil) async throws {
        var args: [JSONValue] = ["--served-model-name", .string(model)]
        if let portArgument { args += ["--port", .string(String(portArgument))] }
        var container: JSONValue = ["name": "engine", "image": "vllm/vllm-openai:v0.11.0",
                                    "command": ["vllm", "serve", "/models/m"], "args": .array(args)]
        if let port { container["ports"] = [["name": "http", "containerPort": .int(Int64(port))]] }
        let pod: JSONValue = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name), "labels": ["app": "m"]],
                              "spec": ["nodeName": "gpu-node-1", "containers": [container]]]
        _ = try await client.create(Pod.resourceType, namespace: "llm", body: pod)
    }

    func runningPods(_ count: Int) async throws -> [Pod] {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let pods = try await client.list(Pod.self, namespace: "llm").items
            if pods.filter({ $0.status?.phase == "Running" }).count == count { return pods }
            try await Task.sleep(for: .milliseconds(10))
        }
        XCTFail("pods never ran")
        return []
    }

    func testScrapesStandInPodsThroughThePodProxyWithPortsFromTheirSpecs() async throws {
        try await createEnginePod("qwen-0", model: "qwen")
        try await createEnginePod("qwen-1", model: "qwen", port: nil, portArgument: 8080)
        let pods = try await runningPods(2)
        let targets = pods.compactMap { ScrapeTarget.pod($0) }.sorted { $0.key < $1.key }
        XCTAssertEqual(targets.map(\.description), [
            "/api/v1/namespaces/llm/pods/qwen-0:8000/proxy/metrics",
            "/api/v1/namespaces/llm/pods/qwen-1:8080/proxy/metrics",
        ])
        // A pod that does not exist: the API server's 404 is a failed scrape, not a crash or zeros.
        let ghost = ScrapeTarget(source: .podProxy(namespace: "llm", pod: "ghost", port: "8000", scheme: .http, path: "metrics"))

        let clock = ManualClock(Date())
        let scraper = Scraper(fetcher: ClusterMetricsFetcher(kube: client),
                              configuration: .init(interval: 5, timeout: 5, maxConcurrent: 2), now: clock.function)
        await scraper.setTargets(targets + [ghost])
        let asked = await scraper.scrapeDue()
        XCTAssertEqual(asked, 3)
        var snapshot = await scraper.snapshot()
        for key in ["llm/qwen-0", "llm/qwen-1"] {
            let pod = snapshot.pod(key)
            XCTAssertEqual(pod.freshness, .live, key)
            XCTAssertEqual(pod.snapshot?.kind, .vllm)
            XCTAssertEqual(pod.snapshot?.generation, .v1)
            XCTAssertEqual(pod.numbers?.running, 0, "the stand-in runs nothing, and says so")
            XCTAssertEqual(pod.numbers?.kvCacheUsage, 0)
            XCTAssertNil(pod.numbers?.generationTokensPerSecond, "one reading: no rate")
            XCTAssertEqual(snapshot.targets[key]?.badLines, 0)
        }
        guard case let .failing(.unreachable(message)) = snapshot.pod("llm/ghost").freshness else {
            return XCTFail("\(snapshot.pod("llm/ghost").freshness)")
        }
        XCTAssertTrue(message.contains("not found"), message)

        // Load arrives between the scrapes: 5 synthetic requests of 40 generated tokens on qwen-0.
        let qwen0 = await kubelet.server(namespace: "llm", name: "qwen-0") as? StandInPodServer
        XCTAssertNotNil(qwen0)
        for _ in 0..<5 { await qwen0?.countSyntheticRequest(promptTokens: 100, generationTokens: 40) }
        clock.advance(by: 5)
        let askedAgain = await scraper.scrapeDue()
        XCTAssertEqual(askedAgain, 2, "the ghost backs off")
        snapshot = await scraper.snapshot()
        XCTAssertEqual(snapshot.pod("llm/qwen-0").numbers?.generationTokensPerSecond, 40, "200 tokens in 5 s")
        XCTAssertEqual(snapshot.pod("llm/qwen-0").numbers?.promptTokensPerSecond, 100)
        XCTAssertEqual(snapshot.pod("llm/qwen-0").numbers?.requestsPerSecond, 1)
        XCTAssertEqual(snapshot.pod("llm/qwen-1").numbers?.generationTokensPerSecond, 0)
        XCTAssertNil(snapshot.pod("llm/qwen-0").numbers?.ttftP99, "no latency observed: unknown, not 0")

        // Both pods as one workload: rates add.
        let workload = snapshot.combined(["llm/qwen-0", "llm/qwen-1"])
        XCTAssertEqual(workload.numbers?.generationTokensPerSecond, 40)
        XCTAssertEqual(workload.numbers?.running, 0)
        XCTAssertEqual(workload.freshness, .live)

        // The pod goes away: its proxy now fails, the last numbers are kept and go stale.
        _ = try await client.delete(Pod.resourceType, name: "qwen-1", namespace: "llm")
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if (try? await client.get(Pod.self, name: "qwen-1", namespace: "llm")) == nil { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        clock.advance(by: 5)
        await scraper.scrapeDue()
        clock.advance(by: 11)
        snapshot = await scraper.snapshot()
        XCTAssertEqual(snapshot.pod("llm/qwen-1").freshness, .stale(age: 16))
        XCTAssertEqual(snapshot.targets["llm/qwen-1"]?.health.consecutiveFailures, 1)
        XCTAssertEqual(snapshot.pod("llm/qwen-1").numbers?.running, 0)
    }
}
