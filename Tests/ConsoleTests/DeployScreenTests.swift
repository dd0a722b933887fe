@testable import Console
import Deploy
import Foundation
import Kube
import KvdeckTestSupport
import LocalCluster
import LocalClusterTestSupport
import Terminal
import XCTest
import YAML

/// The deploy screen, step by step, rendered headless at 120×30: against the local cluster in
/// process (API, controllers and the recorded GPU nodes), the preview is the server's real dry
/// run and the confirmed apply creates the Deployment, whose rollout the screen then follows.
final class DeployScreenTests: XCTestCase {
    typealias Cluster = RunningLocalCluster

    private static func startCluster() async throws -> Cluster {
        try await RunningLocalCluster.start(namespace: "llm-prod", user: "kvdeck-admin", resyncInterval: .seconds(1))
    }

    @MainActor private func session(_ cluster: Cluster?, readOnly: Bool = false) -> ConsoleSession {
        let s = ConsoleFixtures.session()
        s.readOnly = readOnly
        s.deployTarget.client = cluster?.client
        s.deployTarget.namespace = "llm-prod"
        return s
    }

    @MainActor private func frame(_ s: ConsoleSession) -> String {
        s.render(ClusterState(), width: 120, height: 30, theme: .standard, glyphs: .unicode).text
    }

    /// Opens `:deploy`, chooses `template`, and returns the screen.
    @MainActor private func open(_ s: ConsoleSession, template: String) throws -> DeployScreen {
        s.type(":deploy", state: ClusterState())
        s.type([.enter], state: ClusterState())
        let screen = try XCTUnwrap(s.top as? DeployScreen)
        let index = try XCTUnwrap(screen.templateNames.firstIndex(of: template))
        s.type(Array(repeating: Key.down, count: index), state: ClusterState())
        s.type([.enter], state: ClusterState())
        return screen
    }

    /// Types a new value into the form's field `name`.
    @MainActor private func setField(_ s: ConsoleSession, _ screen: DeployScreen, _ name: String, _ value: String) throws {
        let form = try XCTUnwrap(screen.form)
        let index = try XCTUnwrap(form.fields.firstIndex { $0.name == name })
        s.type(Array(repeating: Key.up, count: form.fields.count), state: ClusterState())
        s.type(Array(repeating: Key.down, count: index), state: ClusterState())
        s.type([.enter, .ctrl("u")], state: ClusterState())
        s.type(value, state: ClusterState())
        s.type([.enter], state: ClusterState())
    }

    @MainActor private func wait(for screen: DeployScreen, _ stage: DeployRun.Stage, seconds: Int = 30) async throws {
        for _ in 0..<(seconds * 50) {
            if screen.run.progress.stage == stage { return }
            if screen.run.progress.stage == .failed { return XCTFail("failed: \(screen.run.progress.error ?? "")") }
            try await Task.sleep(for: .milliseconds(20))
        }
        XCTFail("never reached \(stage); at \(screen.run.progress.stage)")
    }

    @MainActor func testChooseAndEditStepsCheckValuesAsTheCLIDoes() async throws {
        let s = session(nil)
        s.type(":deploy", state: ClusterState())
        s.type([.enter], state: ClusterState())
        var text = frame(s)
        XCTAssertTrue(text.contains(" 1 template ") && text.contains(" 5 apply "), text)
        XCTAssertTrue(text.contains("Choose a template (enter):"), text)
        for name in ["single-gpu", "tensor-parallel", "disruption-budget", "network-policy"] { XCTAssertTrue(text.contains(name), name) }
        s.type([.escape], state: ClusterState())
        XCTAssertFalse(s.top is DeployScreen, "esc on the first step leaves")

        let screen = try open(s, template: "single-gpu")
        text = frame(s)
        XCTAssertTrue(text.contains("deploy(single-gpu)"), text)
        XCTAssertTrue(text.contains("namespace") && text.contains("llm-prod"), text)
        XCTAssertTrue(text.contains("model") && text.contains("Qwen/Qwen2.5-7B-Instruct"), text)

        // Typing goes to the field, not to the console's keys (q would quit).
        s.type([.down, .enter, .ctrl("u")], state: ClusterState())
        s.type("qwen", state: ClusterState())
        XCTAssertFalse(s.wantsQuit)
        XCTAssertTrue(frame(s).contains("qwen▏"), frame(s))
        s.type([.enter], state: ClusterState())
        XCTAssertTrue(frame(s).contains("qwen  (changed)"), frame(s))

        try setField(s, screen, "gpus", "2")
        text = frame(s)
        XCTAssertTrue(text.contains("tensorParallel × pipelineParallel must equal the GPUs of the pod"), text)
        try setField(s, screen, "gpus", "two")
        XCTAssertTrue(frame(s).contains("is not an integer"), frame(s))
        try setField(s, screen, "gpus", "1")
        XCTAssertNil(screen.problem)
        XCTAssertEqual(screen.form?.settings, ["name=qwen"])

        // Without a cluster the preview cannot ask the server.
        s.type("p", state: ClusterState())
        XCTAssertTrue(frame(s).contains("no cluster connection"), frame(s))
        XCTAssertEqual(screen.step, .edit)
    }

    @MainActor func testPreviewConfirmApplyAndRolloutAgainstTheLocalCluster() async throws {
        let cluster = try await Self.startCluster()
        do {
            try await previewConfirmApply(cluster)
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    @MainActor private func previewConfirmApply(_ cluster: Cluster) async throws {
        let s = session(cluster)
        let screen = try open(s, template: "single-gpu")
        try setField(s, screen, "name", "qwen")
        s.type("p", state: ClusterState())
        XCTAssertEqual(screen.step, .preview)
        XCTAssertTrue(frame(s).contains("asking the server what applying would change (dryRun=All)"), frame(s))
        try await wait(for: screen, .previewed)
        var text = frame(s)
        XCTAssertTrue(text.contains("server dry run: persistentvolumeclaim/qwen-weights created, service/qwen created, deployment.apps/qwen created"), text)
        XCTAssertTrue(text.contains("+++ proposed/persistentvolumeclaim/qwen-weights"), text)
        s.type("y", state: ClusterState())
        XCTAssertTrue(frame(s).contains("rendered YAML"), frame(s))
        XCTAssertTrue(frame(s).contains("kind: PersistentVolumeClaim"), frame(s))
        s.type(Array(repeating: Key.pageDown, count: 3), state: ClusterState())
        XCTAssertTrue(frame(s).contains("lines "), "the YAML scrolls: \(frame(s))")

        s.type("a", state: ClusterState())
        XCTAssertEqual(screen.step, .confirm)
        text = frame(s)
        XCTAssertTrue(text.contains("Apply 3 objects to namespace llm-prod with server-side apply (field manager kvdeck)?"), text)
        XCTAssertTrue(text.contains("PATCH /api/v1/namespaces/llm-prod/persistentvolumeclaims/qwen-weights?fieldManager=kvdeck&fieldValidation=Strict"), text)
        XCTAssertTrue(text.contains("Content-Type: application/apply-patch+yaml"), text)
        let notYet = try? await cluster.client.get(Deployment.resourceType, name: "qwen", namespace: "llm-prod")
        XCTAssertNil(notYet, "the dry run and the confirmation store nothing")
        s.type("n", state: ClusterState())
        XCTAssertEqual(screen.step, .preview, "n goes back without applying")
        s.type("a", state: ClusterState())
        s.type("y", state: ClusterState())
        XCTAssertEqual(screen.step, .apply)
        try await wait(for: screen, .rolledOut, seconds: 60)
        text = frame(s)
        XCTAssertTrue(text.contains("rolled out"), text)
        XCTAssertTrue(text.contains("deployment.apps/qwen serverside-applied"), text)
        XCTAssertTrue(text.contains(#"deployment.apps/qwen: deployment "qwen" successfully rolled out"#), text)

        let deployment = try await cluster.client.get(Deployment.resourceType, name: "qwen", namespace: "llm-prod")
        XCTAssertTrue(deployment["metadata"]?["managedFields"]?.arrayValue?.contains { $0["manager"] == "kvdeck" && $0["operation"] == "Apply" } == true)
        XCTAssertEqual(deployment["status"]?["availableReplicas"], 1)
        let claim = try await cluster.client.get(ResourceType(group: "", version: "v1", resource: "persistentvolumeclaims",
                                                              kind: "PersistentVolumeClaim", namespaced: true),
                                                 name: "qwen-weights", namespace: "llm-prod")
        XCTAssertEqual(claim["status"]?["phase"], "Bound")
        s.type([.escape], state: ClusterState())
        XCTAssertFalse(s.top is DeployScreen)
    }

    @MainActor func testReadOnlyPreviewsButNeverApplies() async throws {
        let cluster = try await Self.startCluster()
        let s = session(cluster, readOnly: true)
        let screen = try open(s, template: "network-policy")
        XCTAssertTrue(frame(s).contains(" read-only "), frame(s))
        s.type("p", state: ClusterState())
        try await wait(for: screen, .previewed)
        XCTAssertTrue(frame(s).contains("networkpolicy.networking.k8s.io/vllm created"), frame(s))
        s.type("a", state: ClusterState())
        XCTAssertEqual(screen.step, .preview)
        XCTAssertTrue(frame(s).contains("read-only mode: nothing is applied"), frame(s))
        let policies = try await cluster.client.list(ResourceType(group: "networking.k8s.io", version: "v1", resource: "networkpolicies",
                                                                  kind: "NetworkPolicy", namespaced: true), namespace: "llm-prod")
        XCTAssertEqual(policies.items.count, 0)
        await cluster.stop()
    }
}
