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
        let cluster = try await DemoCluster.start(forbidden: { _ in false })
        defer { Task { await cluster.stop() } }
        let feed = ClusterFeed(client: cluster.client, namespace: nil)
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
        await feed.stop()
    }

    @MainActor func testForbiddenDiscoveryOrListLeavesOnlyThatMechanismOut() async throws {
        // The HTTPRoute list and watch are refused: the route's split is unknown, the replica ratio shows.
        let routesForbidden = try await DemoCluster.start(forbidden: { $0.contains("/httproutes") })
        let feed = ClusterFeed(client: routesForbidden.client, namespace: nil)
        try await waitFor("the Deployment and Service stores, and the refused HTTPRoute store") {
            feed.state.services?.state == .synced && feed.state.deployments?.state == .synced
                && feed.state.deployments?.items.count == 2
                && { if case .reconnecting? = feed.state.httpRoutes?.state { return true } else { return false } }()
        }
        let line = try XCTUnwrap(row(feed.state, namespace: DemoSeed.namespace, name: "smollm2"))
        XCTAssertTrue(line.contains(" 1/3 replicas "), line)
        await feed.stop()
        await routesForbidden.stop()

        // Discovery of the named groups is refused: no custom-resource informer starts at all.
        let discoveryForbidden = try await DemoCluster.start(forbidden: { $0 == "/apis" })
        let blind = ClusterFeed(client: discoveryForbidden.client, namespace: nil)
        try await waitFor("the Deployment and Service stores") {
            blind.state.services?.state == .synced && blind.state.deployments?.items.count == 2
        }
        XCTAssertNil(blind.state.httpRoutes)
        let blindLine = try XCTUnwrap(row(blind.state, namespace: DemoSeed.namespace, name: "smollm2"))
        XCTAssertTrue(blindLine.contains(" 1/3 replicas "), blindLine)
        await blind.stop()
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

/// The demo seeded into an in-process local cluster, reached through a transport that answers
/// 403 Forbidden for the paths `forbidden` picks (as an API server does for a user RBAC refuses).
private struct DemoCluster {
    let controllers: ControllerManager
    let client: KubeClient

    static func start(forbidden: @escaping @Sendable (String) -> Bool) async throws -> DemoCluster {
        let api = LocalAPI()
        let controllers = ControllerManager(api: api, configuration: ControllerConfiguration(
            podStartDelay: .milliseconds(20), podTerminationDelay: .milliseconds(20), resyncInterval: .seconds(1),
            coalesceInterval: .milliseconds(5)))
        await controllers.start()
        let connection = ClusterConnection(server: URL(string: "https://local.invalid")!, transport: TransportOptions(),
                                           credentials: NoCredentials(), namespace: DemoSeed.namespace)
        let inProcess = InProcessTransport(handler: api, user: "kvdeck")
        try await DemoSeed.apply(using: KubeClient(connection: connection, transport: inProcess))
        let client = KubeClient(connection: connection, transport: ForbiddingTransport(inner: inProcess, forbidden: forbidden))
        return DemoCluster(controllers: controllers, client: client)
    }

    func stop() async { await controllers.stop() }
}

private struct ForbiddingTransport: HTTPTransport {
    let inner: InProcessTransport
    let forbidden: @Sendable (String) -> Bool

    private func refusal(_ request: HTTPRequest) -> HTTPResponse? {
        let path = URLComponents(url: request.url, resolvingAgainstBaseURL: false)?.path ?? ""
        guard forbidden(path) else { return nil }
        let status = #"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"forbidden by the test","reason":"Forbidden","code":403}"#
        return HTTPResponse(status: 403, body: Data(status.utf8))
    }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        if let refused = refusal(request) { return refused }
        return try await inner.send(request)
    }

    func stream(_ request: HTTPRequest) async throws -> StreamingResponse {
        guard let refused = refusal(request) else { return try await inner.stream(request) }
        let body = refused.body
        return StreamingResponse(status: refused.status, headers: [:], body: AsyncThrowingStream {
            $0.yield(body)
            $0.finish()
        })
    }
}
