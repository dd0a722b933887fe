import Console
import Foundation
import Kube
import KvdeckTestSupport
import Terminal
import XCTest

/// The console's screens rendered headless from recorded cluster state.
/// Test methods are async and main-actor isolated: XCTest on Linux cannot call synchronous
/// main-actor test methods.
final class ConsoleScreenTests: XCTestCase {
    private static var fixtures: URL { SharedFixtures.realAPIServer }

    private func load<T: KubeResource>(_ type: T.Type, _ path: String) throws -> [T] {
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent(path))
        return try KubeList<T>(listBody: data).items
    }

    private func recordedState() throws -> ClusterState {
        var state = ClusterState()
        state.deployments = InformerSnapshot(items: try load(Deployment.self, "05-lists/deployments.all-namespaces.json"), state: .synced)
        state.statefulSets = InformerSnapshot(items: try load(StatefulSet.self, "05-lists/statefulsets.json"), state: .synced)
        state.pods = InformerSnapshot(items: try load(Pod.self, "05-lists/pods.all-namespaces.json"), state: .loading,
                                      listProgress: ListProgress(pagesLoaded: 1, itemsLoaded: 500, remainingItemCount: nil))
        return state
    }

    @MainActor private func session() -> ConsoleSession {
        ConsoleSession(connection: ConnectionSummary(context: "prod", cluster: "gpu-east", user: "ops", namespace: nil),
                       version: "0.1.0")
    }

    @MainActor func testWorkloadsScreenListsTheVLLMWorkloadsWithTheirModels() async throws {
        let state = try recordedState()
        let frame = session().render(state, width: 120, height: 24, theme: .standard, glyphs: .unicode)
        XCTAssertTrue(frame.line(0).contains("ctx: prod  cluster: gpu-east  user: ops  ns: all"), frame.line(0))
        XCTAssertTrue(frame.line(1).contains("deploy: live"), frame.line(1))
        XCTAssertTrue(frame.line(1).contains("pods: loading 500"), frame.line(1))
        XCTAssertTrue(frame.line(3).hasPrefix("NAMESPACE  NAME"), frame.line(3))
        let rows = (4..<10).map(frame.line).filter { $0.contains("vllm") }
        XCTAssertTrue(rows.contains { $0.hasPrefix("llm-prod") && $0.contains("Qwen/Qwen2.5-7B-Instruct") && $0.contains("3/3") }, rows.joined(separator: "\n"))
        XCTAssertTrue(rows.contains { $0.contains("vllm-sts") }, "StatefulSets are workloads too")
        XCTAssertTrue(frame.line(23).contains("<enter> pods"), frame.line(23))
    }

    @MainActor func testEnterOpensTheWorkloadsPodsAndEscGoesBack() async throws {
        let state = try recordedState()
        let s = session()
        _ = s.render(state, width: 120, height: 24, theme: .standard, glyphs: .unicode)
        s.handle(.enter, state: state, height: 24)
        let frame = s.render(state, width: 120, height: 24, theme: .standard, glyphs: .unicode)
        XCTAssertTrue(frame.line(2).contains(" workloads  >  pods("), frame.line(2))
        XCTAssertTrue(frame.line(3).hasPrefix("NAME"), frame.line(3))
        let podRows = (4..<20).map(frame.line).filter { $0.hasPrefix("vllm-") }
        XCTAssertFalse(podRows.isEmpty, frame.text)
        XCTAssertTrue(podRows.allSatisfy { $0.contains("Running") || $0.contains("Pending") || $0.contains("Terminating") }, podRows.joined(separator: "\n"))
        s.handle(.escape, state: state, height: 24)
        XCTAssertTrue(s.render(state, width: 120, height: 24, theme: .standard, glyphs: .unicode).line(2).contains("workloads"))
        s.handle(.character("q"), state: state, height: 24)
        XCTAssertTrue(s.wantsQuit)
    }

    @MainActor func testNarrowTerminalDropsMetricColumnsButKeepsNameReadyAge() async throws {
        let frame = session().render(try recordedState(), width: 80, height: 24, theme: .standard, glyphs: .ascii)
        let header = frame.line(3)
        XCTAssertTrue(header.contains("NAME") && header.contains("READY") && header.contains("AGE"), header)
        XCTAssertFalse(header.contains("E2E-P99"), header)
    }

    @MainActor func testNoClusterShowsTheProblemAndWhatToDo() async {
        let s = ConsoleSession(connection: nil, problem: "error: no kubeconfig found (looked in /root/.kube/config)", version: "0.1.0")
        let frame = s.render(ClusterState(), width: 100, height: 24, theme: .monochrome, glyphs: .ascii)
        XCTAssertTrue(frame.text.contains("No cluster to show"))
        XCTAssertTrue(frame.text.contains("no kubeconfig found"))
        XCTAssertTrue(frame.text.contains("KUBECONFIG"))
        s.handle(.down, state: ClusterState(), height: 24)
        XCTAssertFalse(s.wantsQuit)
        s.handle(.ctrl("c"), state: ClusterState(), height: 24)
        XCTAssertTrue(s.wantsQuit)
    }

    @MainActor func testServingEngineDetection() async throws {
        let deployments = try load(Deployment.self, "05-lists/deployments.all-namespaces.json")
        let identities = deployments.compactMap { ServingEngineDetection.identify($0.spec?.template) }
        XCTAssertEqual(identities.count, deployments.count, "every recorded deployment runs vLLM")
        XCTAssertTrue(identities.allSatisfy { $0.engine == .vllm })
        let plain = try JSONDecoder().decode(PodTemplateSpec.self, from: Data(#"{"spec":{"containers":[{"name":"web","image":"nginx:1.27"}]}}"#.utf8))
        let served = try JSONDecoder().decode(PodTemplateSpec.self, from: Data(
            #"{"spec":{"containers":[{"name":"engine","image":"ghcr.io/acme/kvdeck:0.1","command":["kvdeck","serve","/models/smollm2.gguf"],"args":["--served-model-name","smol"]}]}}"#.utf8))
        XCTAssertEqual(ServingEngineDetection.identify(served), ServingIdentity(engine: .kvdeck, model: "/models/smollm2.gguf", servedName: "smol", container: "engine"))
        XCTAssertNil(ServingEngineDetection.identify(plain))
    }
}
