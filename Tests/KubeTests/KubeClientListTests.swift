import XCTest
@testable import Kube

final class KubeClientListTests: XCTestCase {
    func testOnePageCarriesContinueAndRemainingCount() async throws {
        let transport = RecordedTransport([try .fixture("05-lists/pods.limit-2.page-1.json")])
        let page = try await makeClient(transport).list(TestPod.self, namespace: "fixtures", limit: 2)
        XCTAssertEqual(page.items.count, 2)
        XCTAssertEqual(page.metadata.remainingItemCount, 3)
        XCTAssertEqual(page.metadata.continue?.hasPrefix("eyJ2Ijoi"), true)
        XCTAssertEqual(transport.requests.first?.header("Accept"), "application/json")
        XCTAssertEqual(transport.requests.first?.header("User-Agent"), "kvdeck/test")
    }

    func testListAllFollowsContinueToTheLastPage() async throws {
        let transport = RecordedTransport([
            try .fixture("05-lists/pods.limit-2.page-1.json"),
            try .fixture("05-lists/pods.limit-2.page-2.json"),
            try .fixture("05-lists/pods.limit-2.page-3.json"),
        ])
        let all = try await makeClient(transport).listAll(TestPod.self, namespace: "fixtures", pageSize: 2)
        XCTAssertEqual(all.items.count, 5)
        XCTAssertEqual(Set(all.items.map(\.metadata.key)).count, 5)
        XCTAssertNil(all.metadata.continue)
        XCTAssertEqual(all.metadata.resourceVersion, "2080")
        XCTAssertEqual(transport.remainingSteps, 0)
    }

    func testExpiredContinueRestartsFromTheFirstPageOnce() async throws {
        let transport = RecordedTransport([
            try .fixture("05-lists/pods.limit-2.page-1.json"),
            try .fixture("05-lists/pods.limit-2.expired-continue.410.json"),
            try .fixture("05-lists/pods.limit-2.page-1.json"),
            try .fixture("05-lists/pods.limit-2.page-2.json"),
            try .fixture("05-lists/pods.limit-2.page-3.json"),
        ])
        let all = try await makeClient(transport).listAll(TestPod.self, namespace: "fixtures", pageSize: 2)
        XCTAssertEqual(all.items.count, 5, "items of the abandoned first pass must not be kept")
        XCTAssertEqual(transport.remainingSteps, 0)
    }

    func testSecondExpiryIsReported() async throws {
        let transport = RecordedTransport([
            try .fixture("05-lists/pods.limit-2.page-1.json"),
            try .fixture("05-lists/pods.limit-2.expired-continue.410.json"),
            try .fixture("05-lists/pods.limit-2.page-1.json"),
            try .fixture("05-lists/pods.limit-2.expired-continue.410.json"),
        ])
        do {
            _ = try await makeClient(transport).listAll(TestPod.self, namespace: "fixtures", pageSize: 2)
            XCTFail("expected 410")
        } catch let error as KubeAPIError {
            XCTAssertTrue(error.isExpired)
            XCTAssertNotNil(error.continueToken, "the 410 Status carries a fresh continue token")
        }
    }

    func testSelectorsAreEncodedAsKubectlDoes() async throws {
        let transport = RecordedTransport([
            try .fixture("05-lists/pods.labelSelector-vllm-sts.json"),
            try .fixture("05-lists/pods.fieldSelector-running-on-gpu-node-a.json"),
            try .fixture("05-lists/pods.resourceVersion-exact.json"),
            try .fixture("05-lists/deployments.all-namespaces.json"),
        ])
        let client = makeClient(transport)
        let bySts = try await client.list(TestPod.self, namespace: "fixtures",
                                          labelSelector: "app.kubernetes.io/name=vllm,app.kubernetes.io/instance=vllm-sts")
        XCTAssertFalse(bySts.items.isEmpty)
        _ = try await client.list(TestPod.self, namespace: "fixtures", fieldSelector: "status.phase=Running,spec.nodeName=gpu-node-a")
        _ = try await client.list(TestPod.self, namespace: "fixtures", resourceVersion: "2080", resourceVersionMatch: .exact)
        let deployments = ResourceType(group: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespaced: true)
        let all = try await client.list(deployments, namespace: nil)
        XCTAssertEqual(all.items.first?["kind"], .string("Deployment"), "list items get their kind back")
        XCTAssertEqual(all.items.first?["apiVersion"], .string("apps/v1"))
    }

    func testSetBasedSelectorEncoding() {
        XCTAssertEqual(QueryEncoding.queryString([("labelSelector", "app in (a,b),tier!=web")]),
                       "labelSelector=app+in+%28a%2Cb%29%2Ctier%21%3Dweb")
        XCTAssertEqual(QueryEncoding.queryString([("watch", "true"), ("allowWatchBookmarks", "true")]),
                       "allowWatchBookmarks=true&watch=true")
    }

    func testPathsForCoreGroupsClusterScopeSubresourcesAndPrefix() throws {
        let deployments = ResourceType(group: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespaced: true)
        let nodes = ResourceType(group: "", version: "v1", resource: "nodes", kind: "Node", namespaced: false)
        XCTAssertEqual(ResourcePath(type: deployments, namespace: "fixtures", name: "vllm-qwen", subresource: "scale").path,
                       "/apis/apps/v1/namespaces/fixtures/deployments/vllm-qwen/scale")
        XCTAssertEqual(ResourcePath(type: deployments, namespace: nil).path, "/apis/apps/v1/deployments")
        XCTAssertEqual(ResourcePath(type: nodes, namespace: "ignored", name: "gpu-node-a").path, "/api/v1/nodes/gpu-node-a")
        let request = APIRequest(method: "GET", path: "/api/v1/pods", query: [("limit", "500")])
        XCTAssertEqual(try request.url(base: URL(string: "https://rancher.example/k8s/clusters/c-1/")!).absoluteString,
                       "https://rancher.example/k8s/clusters/c-1/api/v1/pods?limit=500")
    }

    func testEmptyNameIsRefusedBeforeAnyRequest() async throws {
        let transport = RecordedTransport([])
        do {
            _ = try await makeClient(transport).get(TestPod.self, name: "")
            XCTFail("expected an error")
        } catch let error as KubeClientError {
            XCTAssertEqual(error, .invalidArgument("a Pod name is required"))
        }
        XCTAssertTrue(transport.requests.isEmpty)
    }
}
