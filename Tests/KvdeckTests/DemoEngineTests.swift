import Foundation
import KvdeckTestSupport
import XCTest

/// The demo's pods run the engine: kubectl, as the reference client, sends a chat completion
/// through the API server's service proxy and gets the model's answer; the pod's /metrics (through
/// the pod proxy) counts it with vLLM's names; its log shows the request; a deleted pod drains and
/// its replacement serves again.
final class DemoEngineTests: XCTestCase {
    func testDemoPodsServeTheDefaultModelThroughTheProxies() throws {
        guard let kubectl = CommandRun.which("kubectl") else { throw XCTSkip("kubectl is not installed") }
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("kvdeck-demo-engine-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let (demo, kubeconfig) = try ServedDemo.start(home: home, seed: true, engine: true)
        defer { demo.stop() }
        let environment = ["KUBECONFIG": kubeconfig, "HOME": home.path, "PATH": "/usr/bin:/bin"]
        func run(_ arguments: String...) throws -> CommandRun {
            try CommandRun.run(kubectl, Array(arguments), environment: environment)
        }
        let pods = try waitForReadyPods(run, count: 3)

        // A chat completion through the stable Service, greedy: the fixture's answer.
        let body = home.appendingPathComponent("chat.json")
        try Data(#"{"model":"smollm2","messages":[{"role":"user","content":"What is the capital of France?"}],"max_tokens":12,"temperature":0}"#.utf8)
            .write(to: body)
        let chat = try run("create", "--raw", "/api/v1/namespaces/llm-prod/services/smollm2-stable:8000/proxy/v1/chat/completions",
                           "-f", body.path)
        XCTAssertEqual(chat.status, 0, chat.stderr)
        let answer = try JSONSerialization.jsonObject(with: Data(chat.stdout.utf8)) as? [String: Any]
        let message = ((answer?["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
        XCTAssertEqual(message, "The capital of France is Paris.", chat.stdout)
        XCTAssertEqual((answer?["model"] as? String), "smollm2")

        // The pod that answered counts it on /metrics, with vLLM's names and no stand-in marker.
        var generated = 0.0
        var answered: String?
        for pod in pods where pod.hasPrefix("smollm2-") && !pod.hasPrefix("smollm2-canary") {
            let metrics = try run("get", "--raw", "/api/v1/namespaces/llm-prod/pods/\(pod):8000/proxy/metrics")
            XCTAssertEqual(metrics.status, 0, metrics.stderr)
            XCTAssertFalse(metrics.stdout.contains("kvdeck_stand_in"), "\(pod) runs a stand-in")
            let line = metrics.stdout.split(separator: "\n").first { $0.hasPrefix("vllm:generation_tokens_total{") }
            let value = line.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
            if value > 0 { answered = pod }
            generated += value
        }
        XCTAssertEqual(generated, 8, "the answer's 8 tokens (7 words and the end of turn) are counted once")
        let pod = try XCTUnwrap(answered)
        let log = try run("logs", "-n", "llm-prod", pod)
        XCTAssertTrue(log.stdout.contains(#""POST /v1/chat/completions HTTP/1.1" 200"#), log.stdout)
        XCTAssertTrue(log.stdout.contains("completion_tokens=8"), log.stdout)

        // Deleting the pod: it drains and goes, and its replacement serves the model too.
        let deleted = try run("delete", "pod", "-n", "llm-prod", pod)
        XCTAssertEqual(deleted.status, 0, deleted.stderr)
        let after = try waitForReadyPods(run, count: 3)
        XCTAssertFalse(after.contains(pod))
        let models = try run("get", "--raw", "/api/v1/namespaces/llm-prod/services/smollm2-stable:8000/proxy/v1/models")
        XCTAssertTrue(models.stdout.contains(#""id":"smollm2""#), models.stdout)

        // --kv-cache-dtype in a pod's args reaches its engine (vLLM's cache_config_info labels it);
        // fp8, which this engine does not implement, runs as auto and the pod's log says so.
        for (name, dtype, label) in [("dtype-f32", "float32", "float32"), ("dtype-fp8", "fp8_e4m3", "auto")] {
            let manifest = home.appendingPathComponent("\(name).json")
            try Data(#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"\#(name)"},"spec":{"containers":[{"name":"engine","image":"vllm/vllm-openai:v0.11.0","command":["vllm","serve","default"],"args":["--kv-cache-dtype","\#(dtype)","--kv-cache-memory","64MiB"],"ports":[{"name":"http","containerPort":8000}]}]}}"#.utf8)
                .write(to: manifest)
            let created = try run("create", "-n", "llm-prod", "-f", manifest.path)
            XCTAssertEqual(created.status, 0, created.stderr)
            let deadline = Date().addingTimeInterval(60)
            var metrics = try run("get", "--raw", "/api/v1/namespaces/llm-prod/pods/\(name):8000/proxy/metrics")
            while !metrics.stdout.contains("vllm:cache_config_info"), Date() < deadline {
                Thread.sleep(forTimeInterval: 0.5)
                metrics = try run("get", "--raw", "/api/v1/namespaces/llm-prod/pods/\(name):8000/proxy/metrics")
            }
            XCTAssertTrue(metrics.stdout.contains(#"cache_dtype="\#(label)""#), "\(name): \(metrics.stdout.prefix(400)) \(metrics.stderr)")
            let podLog = try run("logs", "-n", "llm-prod", name)
            XCTAssertEqual(podLog.stdout.contains("--kv-cache-dtype fp8_e4m3 is not implemented by this engine"), dtype == "fp8_e4m3", podLog.stdout)
        }
    }

    /// Without the default model the demo says so before the pods start, names the path and the
    /// fetch script, runs its pods as stand-ins and sends no load (every request would be a 503).
    func testDemoWithoutTheModelSaysItsPodsAreStandIns() throws {
        guard let kubectl = CommandRun.which("kubectl") else { throw XCTSkip("kubectl is not installed") }
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("kvdeck-demo-nomodel-\(UUID().uuidString)")
        let emptyCache = home.appendingPathComponent("models")
        try FileManager.default.createDirectory(at: emptyCache, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let errors = home.appendingPathComponent("stderr.txt")
        let (demo, kubeconfig) = try ServedDemo.start(home: home, seed: true, engine: true, load: true,
                                                      modelCache: emptyCache.path, errors: errors)
        defer { demo.stop() }
        let said = try String(contentsOf: errors, encoding: .utf8)
        let missing = emptyCache.appendingPathComponent("SmolLM2-135M-Instruct.Q4_1.gguf").path
        XCTAssertTrue(said.contains("kvdeck demo: the default model could not be loaded: \(missing)"), said)
        XCTAssertTrue(said.contains("pods that serve it run as stand-ins"), said)
        XCTAssertTrue(said.contains("scripts/fetch-model fetches the model"), said)
        XCTAssertFalse(said.contains("starting a gentle load"), said)
        let seeding = try XCTUnwrap(said.range(of: "seeding namespace"), said)
        XCTAssertLessThan(try XCTUnwrap(said.range(of: "could not be loaded")).lowerBound, seeding.lowerBound,
                          "said before the pods start")

        let environment = ["KUBECONFIG": kubeconfig, "HOME": home.path, "PATH": "/usr/bin:/bin"]
        func run(_ arguments: String...) throws -> CommandRun {
            try CommandRun.run(kubectl, Array(arguments), environment: environment)
        }
        let pods = try waitForReadyPods(run, count: 3)
        let stable = try XCTUnwrap(pods.first { $0.hasPrefix("smollm2-") && !$0.hasPrefix("smollm2-canary") })
        let metrics = try run("get", "--raw", "/api/v1/namespaces/llm-prod/pods/\(stable):8000/proxy/metrics")
        XCTAssertTrue(metrics.stdout.contains("kvdeck_stand_in 1"), metrics.stdout)
    }

    /// Names of the llm-prod pods once exactly `count` are Running and ready and none terminating.
    private func waitForReadyPods(_ run: (String...) throws -> CommandRun, count: Int) throws -> [String] {
        let deadline = Date().addingTimeInterval(60)
        var last = ""
        while Date() < deadline {
            let listed = try run("get", "pods", "-n", "llm-prod", "--no-headers",
                                 "-o", "custom-columns=NAME:.metadata.name,READY:.status.containerStatuses[0].ready,DELETING:.metadata.deletionTimestamp")
            last = listed.stdout
            let rows = listed.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
            if rows.count == count, rows.allSatisfy({ $0.count == 3 && $0[1] == "true" && $0[2] == "<none>" }) {
                return rows.map { $0[0] }
            }
            Thread.sleep(forTimeInterval: 0.5)
        }
        XCTFail("pods did not become ready: \(last)")
        return []
    }
}
