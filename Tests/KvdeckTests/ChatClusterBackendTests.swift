import Console
import Foundation
import Kube
import KvdeckTestSupport
import XCTest

/// The chat pane's cluster backend against `kvdeck demo --serve-only` with engine pods: the
/// workload's Service is found by its selector, the answer streams through the API server's
/// service proxy, and failures come back as messages.
final class ChatClusterBackendTests: XCTestCase {
    func testWorkloadAnswersThroughTheServiceProxy() async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("kvdeck-chat-cluster-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let (demo, kubeconfig) = try ServedDemo.start(home: home, seed: true, engine: true)
        defer { demo.stop() }
        let connection = try KubeconfigLoader(environment: ["KUBECONFIG": kubeconfig, "HOME": home.path]).resolve()
        let client = KubeClient(connection: connection, transport: try CurlTransport(options: connection.transport))
        let workload = InferenceWorkload(try await client.get(Deployment.self, name: "smollm2", namespace: "llm-prod"))
        let backend = ClusterChatBackend(client: client, workload: workload)
        XCTAssertEqual(backend.kvSource, .usageOnly)

        // Greedy, no system prompt: the same answer kubectl gets (DemoEngineTests). The pods may
        // still be starting, so an early failure is retried.
        let question = [ChatTurn(role: "user", content: "What is the capital of France?")]
        let settings = ChatSettings(systemPrompt: "", temperature: 0, maxTokens: 12)
        var events: [ChatEvent] = []
        let deadline = Date().addingTimeInterval(90)
        while true {
            do {
                events = []
                for try await event in backend.send(question, settings: settings) { events.append(event) }
                break
            } catch {
                if Date() > deadline { throw error }
                try await Task.sleep(for: .milliseconds(500))
            }
        }
        let text = events.compactMap { if case let .text(t, _) = $0 { t } else { nil } }
        XCTAssertEqual(text.joined(), "The capital of France is Paris.")
        XCTAssertGreaterThan(text.count, 1, "the answer streams in pieces")
        XCTAssertTrue(events.contains(.status("via service smollm2-stable:8000")), "\(events)")
        guard case let .finished(finish)? = events.last else { return XCTFail("no finish: \(events)") }
        XCTAssertEqual(finish.reason, "stop")
        XCTAssertEqual(finish.completionTokens, 8)
        XCTAssertGreaterThan(finish.promptTokens ?? 0, 5)

        // Stopping early (ctrl-c) ends the stream at once.
        let long = [ChatTurn(role: "user", content: "Write a very long story about a dragon.")]
        var pieces = 0
        let started = Date()
        for try await event in backend.send(long, settings: ChatSettings(systemPrompt: "", temperature: 0, maxTokens: 2000)) {
            if case .text = event { pieces += 1 }
            if pieces == 3 { break }
        }
        XCTAssertEqual(pieces, 3)
        XCTAssertLessThan(Date().timeIntervalSince(started), 30)

        // A workload that is not there: the API server's 404, as a message.
        var gone = try await client.get(Deployment.self, name: "smollm2", namespace: "llm-prod")
        gone.metadata.name = "no-such-model"
        do {
            for try await _ in ClusterChatBackend(client: client, workload: InferenceWorkload(gone)).send(question, settings: settings) {}
            XCTFail("expected an error")
        } catch {
            XCTAssertTrue("\(error)".contains("HTTP 404 from llm-prod/no-such-model"), "\(error)")
        }
    }
}
