@testable import Console
import Foundation
import Kube
import KvdeckTestSupport
import LocalCluster
import XCTest
import YAML

/// The feed reads events.k8s.io/v1 where discovery lists it, else core/v1: the local cluster
/// serves core/v1 only; the recorded real server (v1.36) serves both.
final class EventsAPIChoiceTests: XCTestCase {
    @MainActor func testTheLocalClusterServesCoreEventsAndTheFeedReadsThem() async throws {
        let api = LocalAPI()
        let client = KubeClient(connection: ClusterConnection(server: URL(string: "https://local.invalid")!, transport: TransportOptions(),
                                                              credentials: NoCredentials(), namespace: "fixtures"),
                                transport: InProcessTransport(handler: api, user: "kvdeck-admin"))
        _ = try await client.create(Namespace.resourceType, body: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "fixtures"]])
        let event = try YAML.parse("""
        apiVersion: v1
        kind: Event
        metadata: {name: vllm-qwen.1, namespace: fixtures}
        involvedObject: {kind: Deployment, name: vllm-qwen, namespace: fixtures}
        reason: ScalingReplicaSet
        message: Scaled up replica set vllm-qwen-7d9 from 0 to 2
        type: Normal
        source: {component: deployment-controller}
        firstTimestamp: "2026-11-21T10:20:00Z"
        lastTimestamp: "2026-11-21T10:20:00Z"
        count: 1
        """)
        _ = try await client.create(Event.resourceType, body: event)
        let discovered = await EventsAPI.discover(using: client)
        XCTAssertEqual(discovered, .coreV1, "the local cluster serves no events.k8s.io")

        let feed = ClusterFeed(client: client, namespace: "fixtures")
        defer { Task { await feed.stop() } }
        try await waitUntil { feed.state.events?.items.count == 1 }
        XCTAssertEqual(feed.eventsAPI, .coreV1)
        XCTAssertNil(feed.state.eventsV1)
        XCTAssertEqual(feed.state.clusterEvents.first?.reason, "ScalingReplicaSet")
    }

    @MainActor func testAServerWithEventsV1IsReadThroughIt() async throws {
        let transport = RecordedEventsServer()
        let client = KubeClient(connection: ClusterConnection(server: URL(string: "https://127.0.0.1:6443")!, transport: TransportOptions(),
                                                              credentials: NoCredentials(), namespace: "fixtures"),
                                transport: transport)
        let discovered = await EventsAPI.discover(using: client)
        XCTAssertEqual(discovered, .eventsV1)
        let feed = ClusterFeed(client: client, namespace: "fixtures")
        defer { Task { await feed.stop() } }
        try await waitUntil { (feed.state.eventsV1?.items.count ?? 0) > 0 }
        XCTAssertEqual(feed.eventsAPI, .eventsV1)
        XCTAssertNil(feed.state.events, "one API is read, not both")
        XCTAssertTrue(transport.paths.contains { $0.hasPrefix("/apis/events.k8s.io/v1/namespaces/fixtures/events") }, "\(transport.paths)")
        XCTAssertFalse(transport.paths.contains { $0.hasPrefix("/api/v1/namespaces/fixtures/events") })
    }

    @MainActor private func waitUntil(_ condition: @MainActor () -> Bool) async throws {
        for _ in 0..<400 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        XCTFail("timed out")
    }
}

/// The recorded real server's discovery and events.k8s.io/v1 list; watches stay open and quiet;
/// everything else is a 404 (so a core/v1 events read would show as a failure, not data).
final class RecordedEventsServer: HTTPTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var requested: [String] = []
    var paths: [String] { lock.withLock { requested } }

    private func answer(_ request: HTTPRequest) -> (status: Int, body: Data, isWatch: Bool) {
        let components = URLComponents(url: request.url, resolvingAgainstBaseURL: false)
        let path = components?.path ?? ""
        lock.withLock { requested.append(path + "?" + (components?.query ?? "")) }
        let isWatch = components?.queryItems?.contains { $0.name == "watch" && ($0.value == "true" || $0.value == "1") } ?? false
        let aggregated = (request.header("Accept") ?? "").contains("as=APIGroupDiscoveryList")
        let file: String? = switch path {
        case "/api": aggregated ? "01-discovery/api.aggregated-v2.json" : "01-discovery/api.json"
        case "/apis": aggregated ? "01-discovery/apis.aggregated-v2.json" : "01-discovery/apis.json"
        case "/apis/events.k8s.io/v1/namespaces/fixtures/events": isWatch ? nil : "09-nodes-events/events.events.k8s.io-v1.json"
        default: nil
        }
        if isWatch && path == "/apis/events.k8s.io/v1/namespaces/fixtures/events" { return (200, Data(), true) }
        guard let file, let body = try? Data(contentsOf: SharedFixtures.realAPIServer.appendingPathComponent(file)) else {
            return (404, Data(#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}"#.utf8), false)
        }
        return (200, body, false)
    }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let (status, body, _) = answer(request)
        return HTTPResponse(status: status, headers: ["content-type": "application/json"], body: body, httpVersion: "1.1")
    }

    func stream(_ request: HTTPRequest) async throws -> StreamingResponse {
        let (status, body, isWatch) = answer(request)
        return StreamingResponse(status: status, headers: ["content-type": "application/json"], body: AsyncThrowingStream { continuation in
            if !isWatch {
                continuation.yield(body)
                continuation.finish()
            }
            // A watch: open until the informer stops (its iteration's end cancels this stream).
        })
    }
}
