import Foundation
import Kube
import KvdeckTestSupport
@testable import LocalCluster
import LocalClusterTestSupport
import Telemetry
import XCTest
import YAML

/// The kubelet stand-in through the API: the stand-in pod server's HTTP surface via the pod and
/// service proxies, pod logs (tail, timestamps, limitBytes, follow), and the real Statuses for
/// what cannot be served.
final class KubeletStandInTests: XCTestCase {
    var kubelet: StandInKubelet!
    var api: LocalAPI!
    var manager: ControllerManager!
    var client: KubeClient!

    override func setUp() async throws {
        kubelet = StandInKubelet()
        // The controllers start when a test first waits for Running pods (`waitRunning`).
        let cluster = try await RunningLocalCluster.start(recordedNodes: false, podStartDelay: .milliseconds(20),
                                                          podTerminationDelay: .milliseconds(20), kubelet: kubelet, startControllers: false)
        (api, manager, client) = (cluster.api, cluster.manager, cluster.client)
    }

    override func tearDown() async throws {
        await manager.stop()
    }

    // MARK: - Helpers

    static func enginePod(_ name: String, labels: JSONValue = ["app": "smollm2"], node: String = "gpu-node-1") -> JSONValue {
        ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name), "labels": labels],
         "spec": ["nodeName": .string(node), "containers": [[
            "name": "engine", "image": "ghcr.io/kvdeck/kvdeck:0.1.0",
            "command": ["kvdeck", "serve", "/models/SmolLM2-135M-Instruct.Q4_1.gguf"],
            "args": ["--served-model-name", "smollm2", "--port", "8000", "--block-size", "32", "--max-model-len", "8192"],
            "ports": [["name": "http", "containerPort": 8000]],
         ]]]]
    }

    func create(_ pod: JSONValue) async throws {
        let response = await api.call("POST", "/api/v1/namespaces/fixtures/pods", body: pod)
        XCTAssertEqual(response.status, 201, response.text)
    }

    func pod(_ name: String) async -> JSONValue { await api.call("GET", "/api/v1/namespaces/fixtures/pods/\(name)").json }

    func waitRunning(_ names: String...) async throws {
        await manager.start()
        let deadline = Date().addingTimeInterval(10)
        for name in names {
            while await pod(name)["status"]?["phase"]?.stringValue != "Running" {
                guard Date() < deadline else { return XCTFail("pod \(name) never became Running") }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    func logText(_ pod: String, _ query: [(String, String)] = []) async -> String {
        await api.call("GET", "/api/v1/namespaces/fixtures/pods/\(pod)/log", query: query).text
    }

    // MARK: - The stand-in server through the pod proxy

    func testMetricsThroughThePodProxyParseCleanlyAndSayNothingRuns() async throws {
        try await create(Self.enginePod("vllm-0"))
        try await waitRunning("vllm-0")
        let ready = await pod("vllm-0")["status"]?["conditions"]?.arrayValue?.first { $0["type"] == "Ready" }
        XCTAssertEqual(ready?["status"], "True", "readiness comes from the stand-in's /health")

        let response = try await client.proxyGet(pod: "vllm-0", port: "8000", path: "metrics")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8")
        let exposition = Exposition(parsing: response.body)
        XCTAssertEqual(exposition.badLines, [], "the project's own parser finds no bad line")
        func value(_ name: String, _ extra: [String: String] = [:]) -> Double? {
            exposition.samples(named: name).first { s in
                s.label("model_name") == "smollm2" && s.label("engine") == "0" && extra.allSatisfy { s.label($0.key) == $0.value }
            }?.value
        }
        XCTAssertEqual(value("vllm:num_requests_running"), 0)
        XCTAssertEqual(value("vllm:num_requests_waiting"), 0)
        XCTAssertEqual(value("vllm:kv_cache_usage_perc"), 0)
        XCTAssertEqual(value("vllm:prompt_tokens_total"), 0)
        XCTAssertEqual(value("vllm:generation_tokens_total"), 0)
        XCTAssertEqual(value("vllm:request_success_total", ["finished_reason": "stop"]), 0)
        XCTAssertEqual(exposition.family(named: "kvdeck_stand_in")?.samples.first?.value, 1)
        XCTAssertTrue(exposition.family(named: "kvdeck_stand_in")?.help?.contains("not an engine") ?? false)
        let ttft = exposition.samples(named: "vllm:time_to_first_token_seconds_bucket").map { $0.label("le") ?? "" }
        XCTAssertEqual(ttft, StandInMetrics.ttftBuckets.map { "\($0)" } + ["+Inf"])
        XCTAssertEqual(ttft.first, "0.001")
        XCTAssertEqual(exposition.samples(named: "vllm:request_prompt_tokens_bucket").map { $0.label("le") ?? "" }.suffix(3),
                       ["2000.0", "5000.0", "+Inf"], "build_1_2_5_buckets(8192)")
        let cache = exposition.samples(named: "vllm:cache_config_info").first
        XCTAssertEqual(cache?.label("block_size"), "32")
        XCTAssertEqual(cache?.label("num_gpu_blocks"), "0")

        // The console's own reading of it.
        let snapshot = ServerSnapshot(exposition: exposition)
        XCTAssertEqual(snapshot.model("smollm2")?.running, 0)

        // A load generator's synthetic request moves only the counters.
        await (kubelet.server(namespace: "fixtures", name: "vllm-0") as? StandInPodServer)?.countSyntheticRequest(promptTokens: 12, generationTokens: 30)
        let after = Exposition(parsing: try await client.proxyGet(pod: "vllm-0", port: "8000", path: "metrics").body)
        XCTAssertEqual(after.samples(named: "vllm:generation_tokens_total").first?.value, 30)
        XCTAssertEqual(after.samples(named: "vllm:request_success_total").first { $0.label("finished_reason") == "stop" }?.value, 1)
        XCTAssertEqual(after.samples(named: "vllm:num_requests_running").first?.value, 0)
    }

    func testTheRestOfTheServerSurface() async throws {
        try await create(Self.enginePod("vllm-0"))
        try await waitRunning("vllm-0")
        let health = try await client.proxyGet(pod: "vllm-0", port: "8000", path: "health")
        XCTAssertEqual(health.status, 200)
        XCTAssertTrue(health.body.isEmpty)
        let version = try await client.proxyGet(pod: "vllm-0", port: "8000", path: "version")
        XCTAssertEqual(try JSONValue(json: version.body)["version"], "kvdeck-stand-in")
        let models = try JSONValue(json: try await client.proxyGet(pod: "vllm-0", path: "v1/models").body)
        XCTAssertEqual(models["data"]?[0]?["id"], "smollm2")
        XCTAssertEqual(models["data"]?[0]?["root"], "/models/SmolLM2-135M-Instruct.Q4_1.gguf")
        XCTAssertEqual(models["data"]?[0]?["max_model_len"], 8192)

        let chat = await api.call("POST", "/api/v1/namespaces/fixtures/pods/vllm-0:8000/proxy/v1/chat/completions",
                                  body: ["model": "smollm2", "messages": [["role": "user", "content": "hi"]]])
        XCTAssertEqual(chat.status, 503)
        XCTAssertEqual(chat.json["error"]?["code"], 503)
        XCTAssertTrue(chat.json["error"]?["message"]?.stringValue?.contains("not built into this stand-in") ?? false)
        let missing = await api.call("GET", "/api/v1/namespaces/fixtures/pods/vllm-0:8000/proxy/nope")
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(missing.json["detail"], "Not Found")
        // An undeclared port is served all the same: the real proxy does not check ports either.
        let other = await api.call("GET", "/api/v1/namespaces/fixtures/pods/http:vllm-0:9999/proxy/health")
        XCTAssertEqual(other.status, 200)
    }

    // MARK: - Logs

    func testLogsWithTailTimestampsSinceAndLimit() async throws {
        try await create(Self.enginePod("vllm-0"))
        try await waitRunning("vllm-0")
        for path in ["health", "metrics", "version"] { _ = try await client.proxyGet(pod: "vllm-0", port: "8000", path: path) }

        var lines: [String] = []
        for try await line in client.logs(pod: "vllm-0") { lines.append(line) }
        XCTAssertTrue(lines.first?.hasPrefix("stand-in for `kvdeck serve /models/SmolLM2-135M-Instruct.Q4_1.gguf --served-model-name smollm2") ?? false, "\(lines)")
        XCTAssertTrue(lines.first?.hasSuffix("no engine runs in this pod (the kvdeck local cluster runs the engine only for models it has)") ?? false)
        XCTAssertEqual(lines.suffix(3), [
            #"INFO:     apiserver-proxy - "GET /health HTTP/1.1" 200 OK"#,
            #"INFO:     apiserver-proxy - "GET /metrics HTTP/1.1" 200 OK"#,
            #"INFO:     apiserver-proxy - "GET /version HTTP/1.1" 200 OK"#,
        ])

        var tail: [String] = []
        for try await line in client.logs(pod: "vllm-0", options: LogOptions(timestamps: true, tailLines: 2)) { tail.append(line) }
        XCTAssertEqual(tail.count, 2)
        let stamp = try NSRegularExpression(pattern: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z "#)
        for line in tail {
            XCTAssertEqual(stamp.numberOfMatches(in: line, range: NSRange(line.startIndex..., in: line)), 1, line)
        }
        XCTAssertTrue(tail[1].hasSuffix(#""GET /version HTTP/1.1" 200 OK"#))

        let limited = await logText("vllm-0", [("limitBytes", "10")])
        XCTAssertEqual(limited, String(lines[0].prefix(10)))
        let sinceAnHour = await logText("vllm-0", [("sinceSeconds", "3600")])
        XCTAssertEqual(sinceAnHour.split(separator: "\n").count, lines.count)
        let none = await logText("vllm-0", [("tailLines", "0")])
        XCTAssertEqual(none, "")
    }

    func testFollowedLogsReceiveLaterLines() async throws {
        try await create(Self.enginePod("vllm-0"))
        try await waitRunning("vllm-0")
        let stream = client.logs(pod: "vllm-0", options: LogOptions(follow: true, tailLines: 1))
        var iterator = stream.makeAsyncIterator()
        let first = try await iterator.next()
        XCTAssertTrue(first?.hasPrefix("stand-in:") ?? false, first ?? "nil")
        let client = self.client!
        Task { _ = try? await client.proxyGet(pod: "vllm-0", port: "8000", path: "metrics") }
        let later = try await iterator.next()
        XCTAssertEqual(later, #"INFO:     apiserver-proxy - "GET /metrics HTTP/1.1" 200 OK"#)

        // Deleting the pod stops its container, which ends the stream.
        _ = await api.call("DELETE", "/api/v1/namespaces/fixtures/pods/vllm-0")
        var rest: [String] = []
        while let line = try await iterator.next() { rest.append(line) }
        XCTAssertTrue(rest.last?.hasPrefix("stand-in: pod ") ?? false, "\(rest)")
        XCTAssertTrue(rest.last?.hasSuffix("; stopping") ?? false, "\(rest)")
    }

    func testLogErrorsAreTheRealStatuses() async throws {
        var pod = Self.enginePod("two")
        let containers = (pod["spec"]?["containers"]?.arrayValue ?? []) + [["name": "sidecar", "image": "busybox"]]
        pod["spec"]?["containers"] = .array(containers)
        try await create(pod)
        try await waitRunning("two")

        let unnamed = await api.call("GET", "/api/v1/namespaces/fixtures/pods/two/log")
        XCTAssertEqual(unnamed.status, 400)
        XCTAssertEqual(unnamed.json, ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                                      "message": "a container name must be specified for pod two, choose one of: [engine sidecar]",
                                      "reason": "BadRequest", "code": 400])
        let wrong = await api.call("GET", "/api/v1/namespaces/fixtures/pods/two/log", query: [("container", "nope")])
        XCTAssertEqual(wrong.json["message"], "container nope is not valid for pod two")
        let previous = await api.call("GET", "/api/v1/namespaces/fixtures/pods/two/log", query: [("container", "engine"), ("previous", "true")])
        XCTAssertEqual(previous.status, 400)
        XCTAssertEqual(previous.json["message"], #"previous terminated container "engine" in pod "two" not found"#)
        let negative = await api.call("GET", "/api/v1/namespaces/fixtures/pods/two/log", query: [("container", "engine"), ("tailLines", "-1")])
        XCTAssertEqual(negative.status, 422)
        XCTAssertEqual(negative.json["message"], #"PodLogOptions "two" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0"#)
        let sidecar = await logText("two", [("container", "sidecar")])
        XCTAssertEqual(sidecar, "stand-in: container \"sidecar\" runs no process in the kvdeck local cluster\n")
    }

    // MARK: - Pods that are not running, services

    func testProxyAndLogsOfPodsThatDoNotRunAnswerAsTheRealServer() async throws {
        // No controllers: the pod stays Pending, bound but not started.
        try await create(Self.enginePod("pending"))
        let proxy = await api.call("GET", "/api/v1/namespaces/fixtures/pods/pending:8000/proxy/metrics")
        try assertStatus(proxy, equals: "13-extras/pod-proxy-metrics.400-address-not-allowed.json")
        let log = await api.call("GET", "/api/v1/namespaces/fixtures/pods/pending/log")
        XCTAssertEqual(log.status, 400)
        XCTAssertEqual(log.json["message"], #"container "engine" in pod "pending" is waiting to start: ContainerCreating"#)

        // An address but nothing listening (status written by someone else, no stand-in started).
        var status = await pod("pending")
        status["status"] = ["phase": "Running", "podIP": "10.244.0.99"]
        let put = await api.call("PUT", "/api/v1/namespaces/fixtures/pods/pending/status", body: status)
        XCTAssertEqual(put.status, 200, put.text)
        let refused = await api.call("GET", "/api/v1/namespaces/fixtures/pods/pending/proxy/metrics")
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(refused.json["reason"], "ServiceUnavailable")
        XCTAssertEqual(refused.json["message"], "error trying to reach service: dial tcp 10.244.0.99:8000: connect: connection refused")

        let bad = await api.call("GET", "/api/v1/namespaces/fixtures/pods/ftp:pending:8000/proxy/metrics")
        XCTAssertEqual(bad.json["message"], #"invalid pod request "ftp:pending:8000""#)
    }

    func testServiceProxyReachesEveryReadyEndpoint() async throws {
        let service: JSONValue = ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "smollm2"],
                                  "spec": ["selector": ["app": "smollm2"],
                                           "ports": [["name": "http", "port": 80, "targetPort": "http"]]]]
        let created = await api.call("POST", "/api/v1/namespaces/fixtures/services", body: service)
        XCTAssertEqual(created.status, 201)
        let empty = await api.call("GET", "/api/v1/namespaces/fixtures/services/smollm2:http/proxy/metrics")
        XCTAssertEqual(empty.status, 503)
        XCTAssertEqual(empty.json["message"], #"no endpoints available for service "smollm2:http""#)

        try await create(Self.enginePod("vllm-a"))
        try await create(Self.enginePod("vllm-b"))
        try await create(Self.enginePod("other", labels: ["app": "other"]))
        try await waitRunning("vllm-a", "vllm-b", "other")
        for _ in 0..<4 {
            let response = try await client.proxyGet(service: "smollm2", port: "http", path: "metrics")
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(Exposition(parsing: response.body).badLines, [])
        }
        for name in ["vllm-a", "vllm-b"] {
            let served = await logText(name).components(separatedBy: "GET /metrics").count - 1
            XCTAssertEqual(served, 2, "round robin over both Ready endpoints")
        }
        let otherLog = await logText("other")
        XCTAssertFalse(otherLog.contains("GET /metrics"))
        let wrongPort = await api.call("GET", "/api/v1/namespaces/fixtures/services/smollm2:grpc/proxy/metrics")
        XCTAssertEqual(wrongPort.status, 503)
    }
}
