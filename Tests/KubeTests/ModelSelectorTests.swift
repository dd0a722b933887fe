import Foundation
import XCTest
@testable import Kube

final class ModelSelectorTests: XCTestCase {
    private let labels = ["app.kubernetes.io/name": "vllm", "app.kubernetes.io/instance": "vllm-qwen", "tier": "gpu"]

    func testMatchLabelsAndExpressions() {
        XCTAssertTrue(LabelSelector().matches(labels: labels), "an empty selector selects everything")
        XCTAssertTrue(LabelSelector(matchLabels: ["app.kubernetes.io/name": "vllm"]).matches(labels: labels))
        XCTAssertFalse(LabelSelector(matchLabels: ["app.kubernetes.io/name": "sglang"]).matches(labels: labels))
        let cases: [(LabelSelectorRequirement, Bool)] = [
            (.init(key: "tier", operator: "In", values: ["gpu", "cpu"]), true),
            (.init(key: "tier", operator: "In", values: ["cpu"]), false),
            (.init(key: "missing", operator: "In", values: ["x"]), false),
            (.init(key: "tier", operator: "NotIn", values: ["cpu"]), true),
            (.init(key: "tier", operator: "NotIn", values: ["gpu"]), false),
            (.init(key: "missing", operator: "NotIn", values: ["x"]), true),
            (.init(key: "tier", operator: "Exists"), true),
            (.init(key: "missing", operator: "Exists"), false),
            (.init(key: "missing", operator: "DoesNotExist"), true),
            (.init(key: "tier", operator: "DoesNotExist"), false),
            (.init(key: "tier", operator: "Gt", values: ["1"]), false),
        ]
        for (requirement, expected) in cases {
            XCTAssertEqual(LabelSelector(matchExpressions: [requirement]).matches(labels: labels), expected, "\(requirement)")
        }
    }

    func testQueryStringMatchesApimachinery() {
        let selector = LabelSelector(
            matchLabels: ["app.kubernetes.io/name": "vllm", "app.kubernetes.io/instance": "vllm-qwen"],
            matchExpressions: [
                .init(key: "tier", operator: "In", values: ["gpu", "cpu"]),
                .init(key: "canary", operator: "DoesNotExist"),
                .init(key: "zone", operator: "NotIn", values: ["b", "a"]),
                .init(key: "model", operator: "Exists"),
            ])
        XCTAssertEqual(selector.queryString,
                       "app.kubernetes.io/instance=vllm-qwen,app.kubernetes.io/name=vllm,!canary,model,tier in (cpu,gpu),zone notin (a,b)")
        XCTAssertEqual(LabelSelector().queryString, "")
    }

    func testRecordedSelectorEqualsScaleSelector() throws {
        let deployment = try XCTUnwrap(ModelFixtures.items(Deployment.self, ModelFixtures.real("05-lists/deployments.json")).first)
        let scale = try ModelFixtures.decode(Scale.self, ModelFixtures.real("03-scale-subresource/deployment-scale.json"))
        XCTAssertEqual(deployment.spec?.selector?.queryString, scale.status?.selector)
    }

    func testTimestamps() throws {
        XCTAssertEqual(KubeTime.date(from: "1970-01-01T00:00:00Z"), Date(timeIntervalSince1970: 0))
        XCTAssertEqual(KubeTime.date(from: "2026-11-21T10:20:11Z")?.timeIntervalSince1970, 1_795_256_411)
        XCTAssertEqual(try XCTUnwrap(KubeTime.date(from: "2026-11-21T10:20:11.832758Z")).timeIntervalSince1970,
                       1_795_256_411.832758, accuracy: 1e-6)
        XCTAssertEqual(KubeTime.date(from: "2026-11-21T12:20:11+02:00")?.timeIntervalSince1970, 1_795_256_411)
        XCTAssertEqual(KubeTime.date(from: "2024-02-29T00:00:00Z")?.timeIntervalSince1970, 1_709_164_800)
        for bad in ["", "2026-11-21", "2026-11-21T10:20:11", "2026-13-01T00:00:00Z", "2026-11-21T10:20:11.Z",
                    "2026-11-21T10:20:11Zjunk", "2026-11-21 10:20:11Z"] {
            XCTAssertNil(KubeTime.date(from: bad), bad)
        }
    }

    func testControllerRef() throws {
        var meta = ObjectMeta(name: "p")
        XCTAssertNil(meta.controllerRef)
        meta.ownerReferences = [
            OwnerReference(apiVersion: "v1", kind: "ConfigMap", name: "x", uid: "1"),
            OwnerReference(apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "2", controller: true),
        ]
        XCTAssertEqual(meta.controllerRef?.name, "rs")
        XCTAssertTrue(meta.isOwned(byUID: "1"))
        XCTAssertFalse(meta.isOwned(byUID: "3"))
    }
}
