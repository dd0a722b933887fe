@testable import Console
import Foundation
import Kube
import KvdeckTestSupport
import LocalCluster
import Operations
import Terminal
import XCTest
import YAML

/// Operations from the console on the local cluster in process: the key flows produce the
/// operations the CLI verbs prepare, the confirm dialog shows exactly the request that is then
/// sent, and the watch shows the change.
final class ConsoleOperationsTests: XCTestCase {
    static let smollm2 = WorkloadRef(kind: .deployment, name: "smollm2", namespace: DemoSeed.namespace)

    @MainActor func testScaleFromTheWorkloadsScreenChangesTheDeploymentAndTheWatchShowsIt() async throws {
        let console = try await LocalClusterConsole.start()
        defer { Task { await console.stop() } }
        try await console.waitFor("smollm2 in the informer") { $0.workload(key: "llm-prod/smollm2") != nil }
        // An HPA on it: the dialog warns that it will fight the change.
        _ = try await console.client.create(HorizontalPodAutoscaler.resourceType, namespace: DemoSeed.namespace, body: [
            "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": ["name": "smollm2"],
            "spec": ["scaleTargetRef": ["apiVersion": "apps/v1", "kind": "Deployment", "name": "smollm2"],
                     "minReplicas": 2, "maxReplicas": 4],
        ])
        try console.select("smollm2")

        console.type("s")
        guard case let .input(question, editor, _)? = console.session.dialog?.stage else { return XCTFail("no input dialog") }
        XCTAssertEqual(question, .replicas(Self.smollm2, current: 2))
        XCTAssertEqual(editor.text, "2", "prefilled with the current replicas")
        XCTAssertTrue(console.dialogText().contains("Replicas: 2"), console.dialogText())
        console.type([.backspace])
        console.type("3")
        console.type([.enter])
        let requests = console.session.takeOperationRequests(state: console.state)
        guard case let .prepare(intent, ticket)? = requests.first else { return XCTFail("no prepare request: \(requests)") }
        XCTAssertEqual(intent, .scale(Self.smollm2, replicas: 3))
        console.operations.start(.prepare(intent, ticket: ticket))
        await console.operations.idle()

        // The dialog shows exactly what ScaleOperation prepared: kubectl scale's merge patch of /scale.
        let expected = try await ScaleOperation(client: console.client).prepare(Self.smollm2, replicas: 3)
        XCTAssertEqual(console.session.dialog?.confirmation?.prepared.requests, expected.requests)
        let text = console.dialogText()
        XCTAssertTrue(text.contains("""
            PATCH /apis/apps/v1/namespaces/llm-prod/deployments/smollm2/scale
            Content-Type: application/merge-patch+json

            {"spec":{"replicas":3}}
            """), text)
        // The local cluster answers SelfSubjectAccessReview: its admin may scale.
        XCTAssertTrue(text.contains("RBAC: allowed (SelfSubjectAccessReview)"), text)
        XCTAssertTrue(text.replacingOccurrences(of: "\n", with: " ")
                        .contains("Warning: HorizontalPodAutoscaler smollm2 scales deployment.apps/smollm2 (2-4 replicas) and will undo a manual scale"), text)

        // A dry run first: the server's answer, nothing stored.
        console.type("d")
        await console.pump()
        let dryRun = console.dialogText()
        XCTAssertTrue(dryRun.contains("deployment.apps/smollm2 scaled (server dry run)"), dryRun)
        XCTAssertTrue(dryRun.contains("spec.replicas: 3"), dryRun)
        let untouched = try await console.client.get(Deployment.self, name: "smollm2", namespace: DemoSeed.namespace)
        XCTAssertEqual(untouched.spec?.replicas, 2)

        console.type("y")
        await console.pump()
        XCTAssertNil(console.session.dialog)
        XCTAssertEqual(console.session.flash?.text, "deployment.apps/smollm2 scaled")
        XCTAssertEqual(console.session.flash?.isError, false)
        try await console.waitFor("the watch to show 3 replicas") { $0.workload(key: "llm-prod/smollm2")?.desiredReplicas == 3 }
        XCTAssertTrue(console.frame().text.contains("deployment.apps/smollm2 scaled"))
        // The audit log has the change, with the request as sent.
        let audit = try String(contentsOf: console.auditLog.url, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(audit.count, 1)
        let entry = try JSONValue(json: Data(audit[0].utf8))
        XCTAssertEqual(entry["verb"], "scale")
        XCTAssertEqual(entry["request"]?["body"], ["spec": ["replicas": 3]])
    }

    @MainActor func testUndoFromTheHistoryScreenRollsBackAndTheWatchShowsIt() async throws {
        let console = try await LocalClusterConsole.start()
        defer { Task { await console.stop() } }
        try await console.waitFor("smollm2 at revision 3") { $0.workload(key: "llm-prod/smollm2")?.revision == "3" }
        try console.select("smollm2")
        console.type("h")
        XCTAssertTrue(console.session.top is RolloutHistoryScreen)
        await console.pump()
        let history = try XCTUnwrap(console.session.top as? RolloutHistoryScreen)
        XCTAssertEqual(history.entries.map(\.revision), [1, 2, 3])
        var text = console.frame().text
        XCTAssertTrue(text.contains("tune: --max-num-seqs 128 for the evening peak"), text)
        XCTAssertTrue(text.contains("current"), text)

        // The cursor starts on the current revision; Enter diffs the selected one against it.
        console.type("k")
        console.type([.enter])
        text = console.frame().text
        XCTAssertTrue(text.contains("pod template: revision 2 → revision 3"), text)
        XCTAssertTrue(text.contains("-      96"), text)
        XCTAssertTrue(text.contains("+      128"), text)
        console.type([.escape])
        XCTAssertNil(history.diff)
        // Space marks revision 2; d on revision 1 diffs the two.
        console.type(" ")
        console.type("k")
        console.type("d")
        text = console.frame().text
        XCTAssertTrue(text.contains("pod template: revision 2 → revision 1"), text)
        XCTAssertTrue(text.contains("-      --max-num-seqs"), text)
        console.type([.escape])

        // u on revision 1: the dialog shows kubectl's JSON patch, and it is what is sent.
        console.type("u")
        await console.pump()
        let confirmation = try XCTUnwrap(console.session.dialog?.confirmation)
        let expected = try await RollbackOperation(client: console.client).prepare(Self.smollm2, toRevision: 1)
        XCTAssertEqual(confirmation.prepared.requests, expected.requests)
        let request = try XCTUnwrap(expected.request)
        let dialog = console.dialogText()
        XCTAssertTrue(dialog.contains("PATCH /apis/apps/v1/namespaces/llm-prod/deployments/smollm2\nContent-Type: application/json-patch+json"), dialog)
        XCTAssertTrue(request.bodyText.contains("initial rollout of SmolLM2-135M-Instruct"), "the patch carries revision 1's change-cause")
        // Rows are compared without blanks (a row's padding hides a space at a cut); the cut itself
        // keeps every character.
        func squeezed(_ text: String) -> String { text.filter { !$0.isWhitespace } }
        XCTAssertTrue(squeezed(console.dialogText(width: 140, height: 60)).contains(squeezed(request.bodyText)), dialog)
        let pieces = TextWrap.exact(request.bodyText, width: 50)
        XCTAssertEqual(pieces.joined(), request.bodyText)
        XCTAssertTrue(pieces.allSatisfy { $0.count <= 50 })
        console.type("y")
        await console.pump()
        XCTAssertEqual(console.session.flash?.text, "deployment.apps/smollm2 rolled back")
        try await console.waitFor("revision 4 in the watch") { $0.workload(key: "llm-prod/smollm2")?.revision == "4" }
        let args = console.state.deployments?.items.first { $0.metadata.name == "smollm2" }?.spec?.template?.spec?.containers?.first?.args
        XCTAssertEqual(args, ["--served-model-name", "smollm2", "--port", "8000"], "revision 1's template is back")
        // The history follows: revision 1 became revision 4, the current one.
        await console.pump()
        XCTAssertEqual(history.entries.map(\.revision), [2, 3, 4])
        XCTAssertEqual(history.entries.last?.changeCause, "initial rollout of SmolLM2-135M-Instruct")
    }

    @MainActor func testRestartAndCanaryStepShowTheirRequestsAndSendThem() async throws {
        let console = try await LocalClusterConsole.start()
        defer { Task { await console.stop() } }
        try await console.waitFor("smollm2 in the informer") { $0.workload(key: "llm-prod/smollm2") != nil }
        try console.select("smollm2")
        console.type("r")
        await console.pump()
        var dialog = console.dialogText()
        XCTAssertTrue(console.frame().text.contains("┌─ rollout restart deployment.apps/smollm2 ─"), console.frame().text)
        XCTAssertTrue(dialog.contains("PATCH /apis/apps/v1/namespaces/llm-prod/deployments/smollm2?fieldManager=kubectl-rollout\nContent-Type: application/strategic-merge-patch+json"), dialog)
        let body = try XCTUnwrap(console.session.dialog?.confirmation?.prepared.request?.bodyText)
        XCTAssertTrue(body.hasPrefix(#"{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":""#), body)
        XCTAssertTrue(dialog.replacingOccurrences(of: "\n", with: "").contains(body), dialog)
        console.type("n")
        XCTAssertNil(console.session.dialog, "n cancels")
        XCTAssertTrue(console.session.takeOperationRequests(state: console.state).allSatisfy {
            if case .execute = $0 { return false } else { return true }
        }, "nothing sent")

        // The canary screen: the demo's HTTPRoute split, stepped up by 10 points.
        console.type(":canary smollm2")
        console.type([.enter])
        await console.pump()
        let screen = try XCTUnwrap(console.session.top as? CanaryScreen)
        XCTAssertEqual(screen.view?.state.canaryPercent, 10)
        var text = console.frame().text
        for expected in ["mechanism: gateway-api-httproute", "httproute.gateway.networking.k8s.io/smollm2", "STABLE", "CANARY",
                         "smollm2-stable", "smollm2-canary", "90 (90%)", "10 (10%)", "pods ready", "TTFT p50 / p99", "error rate"] {
            XCTAssertTrue(text.contains(expected), "canary screen lacks \(expected):\n\(text)")
        }
        console.type("+")
        await console.pump()
        dialog = console.dialogText()
        XCTAssertTrue(console.frame().text.contains("┌─ canary set-weight httproute.gateway.networking.k8s.io/smollm2 ─"), console.frame().text)
        XCTAssertTrue(dialog.contains("PATCH /apis/gateway.networking.k8s.io/v1/namespaces/llm-prod/httproutes/smollm2\nContent-Type: application/json-patch+json"), dialog)
        let patch = #"[{"op":"test","path":"/spec/rules/0/backendRefs/0/name","value":"smollm2-stable"},{"op":"replace","path":"/spec/rules/0/backendRefs/0/weight","value":80},{"op":"test","path":"/spec/rules/0/backendRefs/1/name","value":"smollm2-canary"},{"op":"replace","path":"/spec/rules/0/backendRefs/1/weight","value":20}]"#
        XCTAssertEqual(console.session.dialog?.confirmation?.prepared.request?.bodyText, patch)
        XCTAssertTrue(dialog.replacingOccurrences(of: "\n", with: "").contains(patch), dialog)
        console.type([.enter])
        await console.pump()
        XCTAssertEqual(console.session.flash?.text, "httproute.gateway.networking.k8s.io/smollm2 weights set to 80/20 (stable/canary)")
        // The screen shows the change once the watch (or, before the stores synced, a fetch) brings it.
        try await console.waitFor("the new weights on the canary screen") { _ in
            console.frame()
            _ = console.session.takeOperationRequests(state: console.state).map { console.operations.start($0) }
            return screen.view?.state.canaryPercent == 20
        }
        await console.operations.idle()
        text = console.frame().text
        XCTAssertTrue(text.contains("20 (20%)"), text)

        // A name with no canary: the screen says why. (smollm2-canary, the canary track itself,
        // finds the pair it belongs to.)
        console.type(":canary smollm2-stable")
        console.type([.enter])
        await console.pump()
        XCTAssertTrue(console.frame().text.contains("error: no canary found for \"smollm2-stable\" in namespace llm-prod"), console.frame().text)
        console.type([.escape])
        XCTAssertTrue(console.session.top === screen, "esc goes back to the canary of smollm2")

        // w asks the weight; the dialog shows the set-weight patch.
        console.type("w")
        console.type([.ctrl("u")])
        console.type("50")
        console.type([.enter])
        await console.pump()
        XCTAssertTrue(console.dialogText().contains(#""value":50}]"#), console.dialogText())
        console.type([.escape])
        XCTAssertNil(console.session.dialog)
    }

    @MainActor func testReadOnlyRefusesBeforeAnyDialog() async throws {
        let state = try ConsoleFixtures.state()
        for perContext in [false, true] {
            let s = ConsoleFixtures.session()
            if perContext { s.readOnlyContexts = ["prod"] } else { s.readOnly = true }
            _ = s.render(state, width: 120, height: 30, theme: .standard, glyphs: .unicode)
            for key in ["s", "r"] {
                s.type(key, state: state)
                XCTAssertNil(s.dialog)
                XCTAssertEqual(s.flash?.isError, true)
                XCTAssertTrue(s.flash?.text.hasPrefix("read-only mode: refusing to ") ?? false, s.flash?.text ?? "")
            }
            XCTAssertEqual(s.flash?.text, "read-only mode: refusing to rollout restart deployment.apps/vllm-qwen")
            XCTAssertTrue(s.takeOperationRequests(state: state).isEmpty, "nothing asked of the cluster, not even RBAC")
            let frame = s.render(state, width: 200, height: 30, theme: .standard, glyphs: .unicode)
            s.type([.escape], state: state)
            let footer = s.render(state, width: 200, height: 30, theme: .standard, glyphs: .unicode).line(29)
            XCTAssertTrue(footer.contains("<s> scale (read-only)") && footer.contains("<r> restart (read-only)"), footer)
            XCTAssertTrue(frame.line(0).contains("[read-only]"), frame.line(0))
        }
    }

    @MainActor func testRBACIsAskedOnceForASelectionThatStays() async throws {
        let state = try ConsoleFixtures.state()
        var clock = ConsoleFixtures.now
        let s = ConsoleSession(connection: ConnectionSummary(context: "prod", cluster: "gpu-east", user: "ops", namespace: nil),
                               version: "0.1.0", now: { clock })
        _ = s.render(state, width: 120, height: 30, theme: .standard, glyphs: .unicode)
        func probes() -> [String] {
            s.takeOperationRequests(state: state).compactMap {
                if case let .probeAccess(intent) = $0 { return "\(intent.verb) \(intent.object)" } else { return nil }
            }
        }
        XCTAssertEqual(probes(), [], "not while the cursor has just arrived")
        s.type("j", state: state)
        _ = s.render(state, width: 120, height: 30, theme: .standard, glyphs: .unicode)
        clock += 0.2
        XCTAssertEqual(probes(), [], "moved on: the wait starts again")
        clock += 0.35
        XCTAssertEqual(probes(), ["scale fixtures/statefulset.apps/vllm-sts", "rollout restart fixtures/statefulset.apps/vllm-sts"])
        XCTAssertEqual(probes(), [], "asked once")
        s.receive(.access(OperationIntent.restart(WorkloadRef(kind: .statefulSet, name: "vllm-sts", namespace: "fixtures")).accessKey,
                          AccessDecision(verdict: .denied, reason: "no")))
        let footer = s.render(state, width: 200, height: 30, theme: .standard, glyphs: .unicode).line(29)
        XCTAssertTrue(footer.contains("<s> scale  <r> restart (denied: no)"), footer)
        clock += 31
        XCTAssertEqual(probes().count, 2, "answers expire")
    }

    @MainActor func testDeniedActionsAreGreyedAndRefusedWithTheReason() async throws {
        let console = try await LocalClusterConsole.start(front: { DenyingAccessReviews(api: $0) })
        defer { Task { await console.stop() } }
        try await console.waitFor("smollm2 in the informer") { $0.workload(key: "llm-prod/smollm2") != nil }
        try console.select("smollm2")
        await console.pump()
        let key = OperationIntent.scale(Self.smollm2, replicas: 2).accessKey
        XCTAssertEqual(console.session.access.decision(key, now: Date())?.verdict, .denied)
        let footer = console.frame(width: 240).line(39)
        XCTAssertTrue(footer.contains("<s> scale (denied: RBAC allows no such change for this user)"), footer)
        console.type("s")
        XCTAssertNil(console.session.dialog)
        XCTAssertEqual(console.session.flash?.text, "not allowed: scale deployment.apps/smollm2: RBAC allows no such change for this user")
    }

    @MainActor func testTheDialogShowsADenialThatCameAfterTheKey() async throws {
        let console = try await LocalClusterConsole.start(front: { DenyingAccessReviews(api: $0) })
        defer { Task { await console.stop() } }
        try await console.waitFor("smollm2 in the informer") { $0.workload(key: "llm-prod/smollm2") != nil }
        try console.select("smollm2")
        // r before any RBAC answer: the dialog opens, and shows the review's answer with the request.
        console.type("r")
        await console.pump()
        let text = console.dialogText()
        XCTAssertTrue(text.contains("RBAC: denied: RBAC allows no such change for this user"), text)
        XCTAssertTrue(text.contains("<y> send (denied)"), text)
        console.type("y")
        XCTAssertNil(console.session.dialog)
        XCTAssertEqual(console.session.flash?.text,
                       "not allowed: rollout restart deployment.apps/smollm2: RBAC allows no such change for this user")
        let deployment = try await console.client.get(Deployment.self, name: "smollm2", namespace: DemoSeed.namespace)
        XCTAssertNil(deployment.spec?.template?.metadata?.annotations?[RestartOperation.annotation], "nothing sent")
    }

    @MainActor func testPodsOfAWorkloadScaleTheWorkloadAndHelpListsTheNewKeys() async throws {
        let state = try ConsoleFixtures.state()
        let s = ConsoleFixtures.session()
        _ = s.render(state, width: 120, height: 30, theme: .standard, glyphs: .unicode)
        s.type([.enter], state: state)
        XCTAssertTrue(s.top is PodsScreen)
        _ = s.render(state, width: 120, height: 30, theme: .standard, glyphs: .unicode)
        s.type("s", state: state)
        guard case let .input(question, _, _)? = s.dialog?.stage else { return XCTFail("no input dialog") }
        XCTAssertEqual(question, .replicas(WorkloadRef(kind: .deployment, name: "vllm-qwen", namespace: "fixtures"), current: 3))
        s.type("x", state: state)
        s.type([.enter], state: state)
        guard case let .input(_, _, problem)? = s.dialog?.stage else { return XCTFail("the dialog closed on a bad number") }
        XCTAssertEqual(problem, "Replicas must be a whole number")
        s.type([.escape], state: state)
        XCTAssertNil(s.dialog)
        XCTAssertTrue(s.takeOperationRequests(state: state).allSatisfy { if case .probeAccess = $0 { return true } else { return false } },
                      "cancelled: only RBAC questions asked")
        s.type("?", state: state)
        var help = s.render(state, width: 140, height: 60, theme: .standard, glyphs: .unicode).text
        XCTAssertTrue(help.contains("scale the workload: type the replicas"), help)
        XCTAssertTrue(help.contains("rollout restart of the workload"), help)
        s.type([.escape], state: state)
        s.type(":history vllm-qwen", state: state)
        s.type([.enter], state: state)
        s.type("?", state: state)
        help = s.render(state, width: 140, height: 60, theme: .standard, glyphs: .unicode).text
        for expected in ["diff the selected revision's pod template against the current one", "mark the selected revision",
                         "undo (roll back) to the selected revision"] {
            XCTAssertTrue(help.contains(expected), "history help lacks \(expected):\n\(help)")
        }
        s.type([.escape], state: state)
        s.type(":canary vllm-qwen", state: state)
        s.type([.enter], state: state)
        XCTAssertTrue(s.top is CanaryScreen)
        s.type("?", state: state)
        help = s.render(state, width: 140, height: 60, theme: .standard, glyphs: .unicode).text
        for expected in ["step the canary up 10 points", "set the canary weight", "promote:", "abort:"] {
            XCTAssertTrue(help.contains(expected), "canary help lacks \(expected):\n\(help)")
        }
    }

    @MainActor func testDialogSnapshotOverTheWorkloads() async throws {
        // The recorded cluster behind, a scale prepared against a local API holding the same Deployment.
        let api = LocalAPI()
        let client = KubeClient(connection: ClusterConnection(server: URL(string: "https://local.invalid")!, transport: TransportOptions(),
                                                              credentials: NoCredentials(), namespace: "fixtures"),
                                transport: InProcessTransport(handler: api, user: "kvdeck"))
        _ = try await client.create(Namespace.resourceType, body: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "fixtures"]])
        let deployments = try JSONValue(json: Data(contentsOf: SharedFixtures.realAPIServer.appendingPathComponent("05-lists/deployments.all-namespaces.json")))
        var deployment = try XCTUnwrap(deployments["items"]?.arrayValue?.first { $0["metadata"]?["namespace"] == "fixtures" })
        for key in ["uid", "resourceVersion", "creationTimestamp", "managedFields", "generation"] { deployment["metadata"]?[key] = nil }
        deployment["apiVersion"] = "apps/v1"
        deployment["kind"] = "Deployment"
        deployment["status"] = nil
        _ = try await client.create(Deployment.resourceType, body: deployment)

        let state = try ConsoleFixtures.state()
        let s = ConsoleFixtures.session()
        let operations = InFlightOperations(client: client, auditLog: nil, deliver: { s.receive($0) })
        _ = s.render(state, width: 120, height: 30, theme: .standard, glyphs: .unicode)
        s.type("s", state: state)
        s.type([.ctrl("u")], state: state)
        s.type("5", state: state)
        s.type([.enter], state: state)
        for request in s.takeOperationRequests(state: state) {
            if case .prepare = request { operations.start(request) }
        }
        await operations.idle()
        assertSnapshot(s.render(state, width: 120, height: 30, theme: .standard, glyphs: .unicode), named: "dialog-scale")
    }
}

/// The API with a SelfSubjectAccessReview that says no, as the recorded real server answered the
/// viewer token (fixtures/kube/real-apiserver/10-access-reviews).
struct DenyingAccessReviews: APIRequestHandler {
    let api: LocalAPI

    func handle(_ request: ServerRequest) async -> ServerResponse {
        guard request.method == "POST", request.path == "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews" else {
            return await api.handle(request)
        }
        let recorded = SharedFixtures.realAPIServer
            .appendingPathComponent("10-access-reviews/ssar.patch-deployments-scale.viewer-token.response.json")
        let body = (try? Data(contentsOf: recorded)) ?? Data()
        return ServerResponse(status: 201, headers: [("Content-Type", "application/json")], body: .data(body))
    }
}
