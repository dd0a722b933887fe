import XCTest
import YAML
@testable import Kube

/// Discovery, tables, logs and the pod proxy.
final class KubeClientReadTests: XCTestCase {
    func testServerVersion() async throws {
        let transport = RecordedTransport([try .fixture("01-discovery/version.json")])
        let version = try await makeClient(transport).serverVersion()
        XCTAssertEqual(version.gitVersion, "v1.36.2")
        XCTAssertEqual(version.minor, "36")
    }

    func testAggregatedDiscoveryWithCRDAndNoOptionalGroups() async throws {
        var apis = try RecordedTransport.Step.fixture("01-discovery/apis.aggregated-v2.with-crd.json")
        apis.expect.headers = ["Accept": "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"]
        let transport = RecordedTransport([try .fixture("01-discovery/api.json"), apis])
        let groups = try await makeClient(transport).apiGroups()
        XCTAssertEqual(groups.first, APIGroupInfo(name: "", versions: ["v1"], preferredVersion: "v1"))
        XCTAssertEqual(groups.first { $0.name == "example.com" }?.preferredVersion, "v1")
        XCTAssertEqual(groups.first { $0.name == "apps" }?.versions, ["v1"])
    }

    func testLegacyDiscoveryAfter406() async throws {
        let notAcceptable = try RecordedTransport.Step.fixture("01-discovery/apis.aggregated-v2beta1-only.406.json")
        var legacy = try RecordedTransport.Step.fixture("01-discovery/apis.json")
        legacy.expect.headers = ["Accept": "application/json"]
        let transport = RecordedTransport([notAcceptable, legacy])
        let optional = try await makeClient(transport).optionalGroups()
        XCTAssertEqual(optional, OptionalGroups(preferredVersions: [:]))
        XCTAssertEqual(transport.remainingSteps, 0)
    }

    func testOptionalGroupsAreDetectedWithTheirPreferredVersion() async throws {
        let body = Data(#"{"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2","items":[{"metadata":{"name":"serving.kserve.io"},"versions":[{"version":"v1beta1"},{"version":"v1alpha1"}]},{"metadata":{"name":"gateway.networking.k8s.io"},"versions":[{"version":"v1"}]},{"metadata":{"name":"keda.sh"},"versions":[{"version":"v1alpha1"}]}]}"#.utf8)
        let transport = RecordedTransport([.init(expect: .init(method: "GET", path: "/apis", query: ""),
                                                 reply: .response(status: 200, headers: [:], body: body))])
        let optional = try await makeClient(transport).optionalGroups()
        XCTAssertEqual(optional.preferredVersion(of: .kserve), "v1beta1")
        XCTAssertTrue(optional.has(.gatewayAPI))
        XCTAssertTrue(optional.has(.keda))
        XCTAssertFalse(optional.has(.istio))
    }

    func testResourcesOfAGroupVersion() async throws {
        let transport = RecordedTransport([try .fixture("01-discovery/apis-apps-v1.json")])
        let resources = try await makeClient(transport).resources(groupVersion: "apps/v1")
        let deployments = resources.first { $0.name == "deployments" }
        XCTAssertEqual(deployments?.resourceType(groupVersion: "apps/v1"),
                       ResourceType(group: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespaced: true))
        XCTAssertNil(resources.first { $0.name == "deployments/scale" }?.resourceType(groupVersion: "apps/v1"))
    }

    /// With aggregated discovery a name resolves from the two group lists alone (any further
    /// request meets a step it does not match, which fails the test; there are more such steps
    /// than groups, so none waits past the script): short names, singulars and kinds, core and
    /// named groups and a custom resource, each group's preferred version, a group filter.
    func testFindResourceFromAggregatedDiscoveryInTwoRequests() async throws {
        let aggregated = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
        func lookup(_ name: String, group: String? = nil) async throws -> ResourceType? {
            let unexpected = RecordedTransport.Step(expect: .init(method: "GET", path: "/no-further-request", query: ""),
                                                    reply: .response(status: 500, headers: [:], body: Data()))
            let transport = RecordedTransport([try .fixture("01-discovery/api.aggregated-v2.json", headers: ["Accept": aggregated]),
                                               try .fixture("01-discovery/apis.aggregated-v2.with-crd.json", headers: ["Accept": aggregated]),
                                              ] + Array(repeating: unexpected, count: 40))
            let found = try await makeClient(transport).findResource(name, group: group)
            XCTAssertEqual(transport.remainingSteps, 40, "\(name): two requests")
            return found
        }
        let hpa = try await lookup("hpa")
        XCTAssertEqual(hpa, ResourceType(group: "autoscaling", version: "v2", resource: "horizontalpodautoscalers",
                                         kind: "HorizontalPodAutoscaler", namespaced: true))
        let pvc = try await lookup("persistentvolumeclaim")
        XCTAssertEqual(pvc, ResourceType(group: "", version: "v1", resource: "persistentvolumeclaims",
                                         kind: "PersistentVolumeClaim", namespaced: true))
        let canary = try await lookup("cny")
        XCTAssertEqual(canary, ResourceType(group: "example.com", version: "v1", resource: "canaries", kind: "Canary", namespaced: true))
        let node = try await lookup("node")
        XCTAssertEqual(node?.namespaced, false)
        let byKind = try await lookup("Deployment", group: "apps")
        XCTAssertEqual(byKind?.resource, "deployments")
        let wrongGroup = try await lookup("deployments", group: "batch")
        XCTAssertNil(wrongGroup)
        let nothing = try await lookup("scale")
        XCTAssertNil(nothing, "subresources are not resources")
    }

    /// Without aggregated discovery the groups' resource lists are read in turn until one matches.
    func testFindResourceFromLegacyDiscoveryReadsGroupLists() async throws {
        let notAcceptable = try RecordedTransport.Step.fixture("01-discovery/apis.aggregated-v2beta1-only.406.json")
        var coreNotAcceptable = notAcceptable
        coreNotAcceptable.expect.path = "/api"
        let legacyRoots = [coreNotAcceptable, try .fixture("01-discovery/api.json"), notAcceptable, try .fixture("01-discovery/apis.json")]
        let pods = RecordedTransport(legacyRoots + [try .fixture("01-discovery/api-v1.json")])
        let pod = try await makeClient(pods).findResource("po")
        XCTAssertEqual(pod, ResourceType(group: "", version: "v1", resource: "pods", kind: "Pod", namespaced: true))
        XCTAssertEqual(pods.remainingSteps, 0)
        let apps = RecordedTransport(legacyRoots + [try .fixture("01-discovery/apis-apps-v1.json")])
        let deployment = try await makeClient(apps).findResource("deploy", group: "apps")
        XCTAssertEqual(deployment, ResourceType(group: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespaced: true))
        XCTAssertEqual(apps.remainingSteps, 0)
    }

    func testServerSideTables() async throws {
        var pods = try RecordedTransport.Step.fixture("08-table/pods.table.json")
        pods.expect.headers = ["Accept": "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"]
        let transport = RecordedTransport([pods, try .fixture("08-table/canaries.table.json"),
                                           try .fixture("08-table/pods.table.includeObject-None.json")])
        let client = makeClient(transport)
        let table = try await client.table(KubeClient.podType, namespace: "fixtures")
        XCTAssertEqual(table.columnDefinitions.first?.name, "Name")
        XCTAssertEqual(table.columnDefinitions.first?.format, "name")
        XCTAssertFalse(table.rows.isEmpty)
        XCTAssertEqual(table.rows.first?.cells.count, table.columnDefinitions.count)
        XCTAssertEqual(table.rows.first?.object?["kind"], .string("PartialObjectMetadata"))
        let canaries = ResourceType(group: "example.com", version: "v1", resource: "canaries", kind: "Canary", namespaced: true)
        let crd = try await client.table(canaries, namespace: "fixtures")
        XCTAssertTrue(crd.columnDefinitions.contains { $0.name == "Age" })
        let bare = try await client.table(KubeClient.podType, namespace: "fixtures", includeObject: TableIncludeObject.none)
        XCTAssertNil(bare.rows.first?.object)
    }

    func testLogLinesAcrossChunksWithOptions() async throws {
        let text = "line one\nline two is longer\n\nlast line without newline"
        let transport = RecordedTransport([.init(
            expect: .init(method: "GET", path: "/api/v1/namespaces/fixtures/pods/vllm-0/log",
                          query: "container=vllm&follow=true&previous=true&sinceSeconds=60&tailLines=100&timestamps=true"),
            reply: .stream(status: 200, headers: [:], chunks: Data(text.utf8).chunked(3), failure: nil))])
        var lines: [String] = []
        let options = LogOptions(container: "vllm", follow: true, previous: true, sinceSeconds: 60, timestamps: true, tailLines: 100)
        for try await line in makeClient(transport).logs(pod: "vllm-0", options: options) { lines.append(line) }
        XCTAssertEqual(lines, ["line one", "line two is longer", "", "last line without newline"])
    }

    func testLogOptionsValidation() async throws {
        let transport = RecordedTransport([])
        var failed = false
        do {
            for try await _ in makeClient(transport).logs(pod: "p", options: LogOptions(sinceSeconds: 5, sinceTime: "2026-11-21T10:19:38Z")) {}
        } catch let error as KubeClientError {
            failed = true
            XCTAssertEqual(error, .invalidArgument("logs: sinceSeconds and sinceTime cannot both be set"))
        }
        XCTAssertTrue(failed)
        XCTAssertTrue(transport.requests.isEmpty)
        XCTAssertTrue(LogOptions.looksLikeRFC3339("2026-11-21T10:19:38.123456789+01:00"))
        XCTAssertFalse(LogOptions.looksLikeRFC3339("2026-11-21 10:19:38"))
    }

    func testPodProxyPathAndAPIServerRefusal() async throws {
        let transport = RecordedTransport([try .fixture("13-extras/pod-proxy-metrics.400-address-not-allowed.json")])
        do {
            _ = try await makeClient(transport).proxyGet(pod: "vllm-qwen-75c9f667-69p2g", namespace: "fixtures", port: "8000", path: "metrics")
            XCTFail("expected 400")
        } catch let error as KubeAPIError {
            XCTAssertEqual(error.code, 400)
            XCTAssertEqual(error.description, "address not allowed")
        }
    }

    func testProxyHandsBackTheTargetsOwnErrorsAndHTTPSPrefix() async throws {
        let transport = RecordedTransport([.init(
            expect: .init(method: "GET", path: "/api/v1/namespaces/llm/services/https:vllm:metrics/proxy/v1/models", query: ""),
            reply: .response(status: 503, headers: ["content-type": "text/plain"], body: Data("warming up".utf8)))])
        let response = try await makeClient(transport).proxyGet(service: "vllm", namespace: "llm", port: "metrics",
                                                                 scheme: .https, path: "/v1/models")
        XCTAssertEqual(response.status, 503)
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self), "warming up")
    }
}
