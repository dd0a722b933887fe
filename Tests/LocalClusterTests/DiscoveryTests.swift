import Foundation
import LocalCluster
import XCTest
import YAML

final class DiscoveryTests: XCTestCase {
    let api = LocalAPI()
    static let aggregatedAccept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"

    /// The served entries equal the recorded real ones (the same resources, verbs, shortNames,
    /// categories, and those subresources served here).
    func testAggregatedDiscoveryMatchesRecordedShapesForServedResources() async throws {
        let core = await api.call("GET", "/api", headers: [("Accept", Self.aggregatedAccept)])
        XCTAssertEqual(core.status, 200)
        XCTAssertEqual(core.header("Content-Type"), "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
        let recordedCore = try Fixture.json("01-discovery/api.aggregated-v2.json")
        XCTAssertEqual(core.json["kind"], "APIGroupDiscoveryList")
        XCTAssertEqual(core.json["apiVersion"], "apidiscovery.k8s.io/v2")
        let recordedResources = recordedCore["items"]?[0]?["versions"]?[0]?["resources"]?.arrayValue ?? []
        let served = core.json["items"]?[0]?["versions"]?[0]?["resources"]?.arrayValue ?? []
        XCTAssertEqual(Set(served.compactMap { $0["resource"]?.stringValue }),
                       ["configmaps", "events", "namespaces", "nodes", "persistentvolumeclaims", "pods", "secrets", "services"])
        for entry in served {
            let recorded = try XCTUnwrap(recordedResources.first { $0["resource"] == entry["resource"] })
            for field in ["responseKind", "scope", "singularResource", "verbs", "shortNames", "categories"] {
                XCTAssertEqual(entry[field], recorded[field], "\(entry["resource"]!) \(field)")
            }
            for sub in entry["subresources"]?.arrayValue ?? [] {
                XCTAssertTrue(recorded["subresources"]?.arrayValue?.contains(sub) ?? false, "\(sub)")
            }
        }

        let apis = await api.call("GET", "/apis", headers: [("Accept", Self.aggregatedAccept)])
        let groups = apis.json["items"]?.arrayValue?.compactMap { $0["metadata"]?["name"]?.stringValue } ?? []
        XCTAssertEqual(groups, ["apps", "authentication.k8s.io", "authorization.k8s.io", "autoscaling", "networking.k8s.io",
                                "policy", "discovery.k8s.io", "gateway.networking.k8s.io", "networking.istio.io"])
        // The access reviews, NetworkPolicy and PodDisruptionBudget exactly as recorded.
        let recordedGroups = try Fixture.json("01-discovery/apis.aggregated-v2.json")["items"]?.arrayValue ?? []
        for (group, resource) in [("authentication.k8s.io", "selfsubjectreviews"), ("authorization.k8s.io", "selfsubjectaccessreviews"),
                                  ("networking.k8s.io", "networkpolicies"), ("policy", "poddisruptionbudgets")] {
            func entry(_ items: [JSONValue]) -> JSONValue? {
                items.first { $0["metadata"]?["name"]?.stringValue == group }?["versions"]?[0]?["resources"]?.arrayValue?
                    .first { $0["resource"]?.stringValue == resource }
            }
            XCTAssertNotNil(entry(recordedGroups), resource)
            XCTAssertEqual(entry(apis.json["items"]?.arrayValue ?? []), entry(recordedGroups), resource)
        }
        let recordedApps = try Fixture.json("01-discovery/apis.aggregated-v2.json")["items"]?.arrayValue?
            .first { $0["metadata"]?["name"] == "apps" }
        let deployments = apis.json["items"]?[0]?["versions"]?[0]?["resources"]?.arrayValue?.first { $0["resource"] == "deployments" }
        let recordedDeployments = recordedApps?["versions"]?[0]?["resources"]?.arrayValue?.first { $0["resource"] == "deployments" }
        XCTAssertEqual(deployments, recordedDeployments)
        XCTAssertEqual(apis.header("Vary"), "Accept")
        let etag = try XCTUnwrap(apis.header("Etag"))
        let again = await api.call("GET", "/apis", headers: [("Accept", Self.aggregatedAccept), ("If-None-Match", etag)])
        XCTAssertEqual(again.status, 304)
        XCTAssertTrue(again.data.isEmpty)
    }

    func testLegacyDocuments() async throws {
        let apiV1 = await api.call("GET", "/api/v1")
        let recorded = try Fixture.json("01-discovery/api-v1.json")
        let served = apiV1.json["resources"]?.arrayValue ?? []
        XCTAssertEqual(apiV1.json["groupVersion"], "v1")
        for name in ["pods", "pods/log", "pods/status", "namespaces", "events", "nodes", "services",
                     "persistentvolumeclaims", "persistentvolumeclaims/status"] {
            let entry = served.first { $0["name"]?.stringValue == name }
            let real = recorded["resources"]?.arrayValue?.first { $0["name"]?.stringValue == name }
            XCTAssertEqual(entry, real, name)
        }
        let appsV1 = await api.call("GET", "/apis/apps/v1")
        let recordedApps = try Fixture.json("01-discovery/apis-apps-v1.json")["resources"]?.arrayValue ?? []
        for entry in appsV1.json["resources"]?.arrayValue ?? [] {
            XCTAssertEqual(entry, recordedApps.first { $0["name"] == entry["name"] }, "\(entry["name"]!)")
        }
        // authorization.k8s.io/v1 serves only the self review of the four recorded.
        let authorization = await api.call("GET", "/apis/authorization.k8s.io/v1")
        let recordedAuthorization = try Fixture.json("01-discovery/apis-authorization.k8s.io-v1.json")
        XCTAssertEqual(authorization.json["resources"]?.arrayValue,
                       recordedAuthorization["resources"]?.arrayValue?.filter { $0["name"] == "selfsubjectaccessreviews" })
        let legacyApi = await api.call("GET", "/api")
        XCTAssertEqual(legacyApi.json["kind"], "APIVersions")
        let apis = await api.call("GET", "/apis")
        XCTAssertEqual(apis.json["kind"], "APIGroupList")
        XCTAssertEqual(apis.json["groups"]?[0], try Fixture.json("01-discovery/apis.json")["groups"]?.arrayValue?.first { $0["name"] == "apps" })
        let appsGroup = await api.call("GET", "/apis/apps")
        XCTAssertEqual(appsGroup.json, try Fixture.json("01-discovery/apis-apps.json"))
    }

    func testVersionAndUnknownPaths() async throws {
        let version = await api.call("GET", "/version")
        XCTAssertEqual(version.json["gitVersion"], "v1.36.2-kvdeck+local")
        XCTAssertEqual(version.json["minor"], "36")
        let unknownGroup = await api.call("GET", "/apis/no.such.group/v1/things")
        XCTAssertEqual(unknownGroup.status, 404)
        XCTAssertEqual(unknownGroup.data, try Fixture.data("07-errors/404-unknown-api-group.txt"))
        let unknownResource = await api.call("GET", "/api/v1/namespaces/fixtures/widgets")
        try assertStatus(unknownResource, equals: "07-errors/404-unknown-resource-type.json")
    }
}
