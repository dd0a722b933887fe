@testable import Console
import Foundation
import Kube
import KvdeckTestSupport
import LocalCluster
import Operations
import Terminal
import XCTest
import YAML

/// The workloads screen's CANARY column: from objects shaped like the real CRDs' instances beside
/// the recorded workloads, and live from the local cluster's informers (it serves HTTPRoute and
/// VirtualService, not KServe or Argo Rollouts), including a cluster that refuses discovery or
/// the list of a kind (403): the column then shows what the other mechanisms say.
final class WorkloadsCanaryColumnTests: XCTestCase {
    /// A row of a frame wide enough for every column.
    @MainActor private func row(_ state: ClusterState, namespace: String, name: String) -> String? {
        let frame = ConsoleFixtures.session().render(state, width: 260, height: 24, theme: .standard, glyphs: .unicode)
        return (0..<frame.height).map(frame.line).first {
            let words = $0.split(separator: " ").map(String.init)
            return words.count > 2 && words[0] == namespace && words[1] == name
        }
    }

    private func unstructured(_ objects: [JSONValue]) throws -> InformerSnapshot<UnstructuredObject> {
        InformerSnapshot(items: try objects.map(UnstructuredObject.init), state: .synced)
    }

    @MainActor func testCanaryColumnFromRecordedWorkloadsAndCRDShapedObjects() async throws {
        var state = try ConsoleFixtures.state()
        // fixtures/vllm-qwen behind an HTTPRoute of its name; llm-prod/vllm-qwen run by an Argo
        // Rollout through workloadRef; a KServe predictor Deployment labelled with its InferenceService.
        var route = try CanaryObjects.object("httpRouteOwnedByFlagger")
        route["metadata"] = ["name": "vllm-qwen", "namespace": "fixtures"]
        route["spec"]?["rules"] = [["backendRefs": [["name": "vllm-qwen-stable", "port": 8000, "weight": 80],
                                                    ["name": "vllm-qwen-canary", "port": 8000, "weight": 20]]]]
        var rollout = try CanaryObjects.object("argoRollout")
        rollout["metadata"] = ["name": "qwen-rollout", "namespace": "llm-prod"]
        rollout["spec"]?["workloadRef"] = ["apiVersion": "apps/v1", "kind": "Deployment", "name": "vllm-qwen"]
        var predictor = try XCTUnwrap(state.deployments?.items.first { $0.metadata.namespace == "fixtures" })
        predictor.metadata.name = "qwen-isvc-predictor"
        predictor.metadata.labels?["serving.kserve.io/inferenceservice"] = "qwen-isvc"
        state.deployments?.items.append(predictor)
        state.httpRoutes = try unstructured([route])
        state.rollouts = try unstructured([rollout])
        state.inferenceServices = try unstructured([try CanaryObjects.object("inferenceService")])

        let routed = try XCTUnwrap(row(state, namespace: "fixtures", name: "vllm-qwen"))
        XCTAssertTrue(routed.contains(" 20% httproute "), routed)
        let argo = try XCTUnwrap(row(state, namespace: "llm-prod", name: "vllm-qwen"))
        XCTAssertTrue(argo.contains(" argo step 1/4 "), argo)
        let kserve = try XCTUnwrap(row(state, namespace: "fixtures", name: "qwen-isvc-predictor"))
        XCTAssertTrue(kserve.contains(" kserve 10% "), kserve)

        // Without those objects the column says "-" (and the rest of the row is unchanged).
        let plain = try ConsoleFixtures.state()
        let none = try XCTUnwrap(row(plain, namespace: "fixtures", name: "vllm-qwen"))
        XCTAssertFalse(none.contains("httproute"), none)
    }

    @MainActor func testLocalClusterDemoFillsTheColumnFromItsHTTPRoute() async throws {
        let cluster = try await LocalClusterConsole.start()
        let feed = cluster.feed
        try await waitFor("the HTTPRoute and Service stores") {
            feed.state.httpRoutes?.state == .synced && feed.state.services?.state == .synced && feed.state.deployments?.state == .synced
                && feed.state.httpRoutes?.items.isEmpty == false
        }
        XCTAssertEqual(feed.state.virtualServices?.state, .synced, "the local cluster serves VirtualService too")
        XCTAssertNil(feed.state.inferenceServices, "KServe is not served: no informer")
        XCTAssertNil(feed.state.rollouts, "Argo Rollouts is not served: no informer")
        for name in ["smollm2", "smollm2-canary"] {
            let line = try XCTUnwrap(row(feed.state, namespace: DemoSeed.namespace, name: name))
            XCTAssertTrue(line.contains(" 10% httproute "), line)
        }
        // A weight change arrives through the watch of the unstructured HTTPRoutes.
        let state = try await CanaryOperations(client: cluster.client).status(name: "smollm2", namespace: DemoSeed.namespace)
        _ = try await OperationRunner(client: cluster.client, settings: OperationSettings(checkAccess: false))
            .execute(try await CanaryOperations(client: cluster.client).setWeight(state, percent: 35))
        try await waitFor("the new weight in the column") {
            self.row(feed.state, namespace: DemoSeed.namespace, name: "smollm2")?.contains(" 35% httproute ") ?? false
        }
        await cluster.stop()
    }

    @MainActor func testForbiddenDiscoveryOrListLeavesOnlyThatMechanismOut() async throws {
        // The HTTPRoute list and watch are refused: the route's split is unknown, the replica ratio shows.
        let routesForbidden = try await LocalClusterConsole.start(front: { RefusingPaths(api: $0) { $0.contains("/httproutes") } })
        let feed = routesForbidden.feed
        try await waitFor("the Deployment and Service stores, and the refused HTTPRoute store") {
            feed.state.services?.state == .synced && feed.state.deployments?.state == .synced
                && feed.state.deployments?.items.count == 2
                && { if case .reconnecting? = feed.state.httpRoutes?.state { return true } else { return false } }()
        }
        let line = try XCTUnwrap(row(feed.state, namespace: DemoSeed.namespace, name: "smollm2"))
        XCTAssertTrue(line.contains(" 1/3 replicas "), line)
        await routesForbidden.stop()

        // Discovery of the named groups is refused: no custom-resource informer starts at all.
        let discoveryForbidden = try await LocalClusterConsole.start(front: { RefusingPaths(api: $0) { $0 == "/apis" } })
        let blind = discoveryForbidden.feed
        try await waitFor("the Deployment and Service stores") {
            blind.state.services?.state == .synced && blind.state.deployments?.items.count == 2
        }
        XCTAssertNil(blind.state.httpRoutes)
        let blindLine = try XCTUnwrap(row(blind.state, namespace: DemoSeed.namespace, name: "smollm2"))
        XCTAssertTrue(blindLine.contains(" 1/3 replicas "), blindLine)
        await discoveryForbidden.stop()
    }

    @MainActor private func waitFor(_ what: String, timeout: Duration = .seconds(20),
                                    _ condition: @MainActor () -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTFail("timed out waiting for \(what)")
    }
}

/// In front of the local API: 403 Forbidden for the paths `forbidden` picks, as an API server
/// answers a user RBAC refuses.
struct RefusingPaths: APIRequestHandler {
    let api: LocalAPI
    let forbidden: @Sendable (String) -> Bool

    func handle(_ request: ServerRequest) async -> ServerResponse {
        guard forbidden(request.path) else { return await api.handle(request) }
        let status = #"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"forbidden by the test","reason":"Forbidden","code":403}"#
        return ServerResponse(status: 403, headers: [("Content-Type", "application/json")], body: .data(Data(status.utf8)))
    }
}
