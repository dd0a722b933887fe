import Foundation
import Kube
import LocalCluster
import LocalClusterTestSupport
import XCTest
import YAML

/// PersistentVolumeClaim, NetworkPolicy and PodDisruptionBudget as stored kinds: create, apply,
/// get, list, watch, Tables and delete like the other kinds, a claim Bound at once, a network
/// policy's defaults, and a budget's status from the disruption controller over running pods.
final class PolicyAndStorageKindsTests: XCTestCase {
    let claims = "/api/v1/namespaces/fixtures/persistentvolumeclaims"
    let policies = "/apis/networking.k8s.io/v1/namespaces/fixtures/networkpolicies"
    let budgets = "/apis/policy/v1/namespaces/fixtures/poddisruptionbudgets"
    static let tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"

    let claim: JSONValue = ["apiVersion": "v1", "kind": "PersistentVolumeClaim",
                            "metadata": ["name": "weights", "namespace": "fixtures"],
                            "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "200Gi"]]]]

    func testAClaimIsBoundAsItIsCreatedAndPrintsLikeKubectlGetPVC() async throws {
        let api = await LocalAPI.withNamespace()
        let created = await api.call("POST", claims, body: claim)
        XCTAssertEqual(created.status, 201, created.text)
        let object = created.json
        XCTAssertEqual(object["status"]?["phase"], "Bound")
        XCTAssertEqual(object["status"]?["capacity"], ["storage": "200Gi"])
        XCTAssertEqual(object["status"]?["accessModes"], ["ReadWriteOnce"])
        XCTAssertEqual(object["spec"]?["volumeMode"], "Filesystem")
        let volume = try XCTUnwrap(object["spec"]?["volumeName"]?.stringValue)
        XCTAssertTrue(volume.hasPrefix("pvc-"), volume)
        XCTAssertEqual(object["metadata"]?["annotations"]?["pv.kubernetes.io/bind-completed"], "yes")
        XCTAssertNil(object["metadata"]?["generation"], "claims have no generation")

        let table = await api.call("GET", claims, headers: [("Accept", Self.tableAccept)])
        let columns = table.json["columnDefinitions"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        XCTAssertEqual(columns, ["Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass", "VolumeAttributesClass", "Age", "VolumeMode"])
        let cells = table.json["rows"]?[0]?["cells"]?.arrayValue ?? []
        XCTAssertEqual(Array(cells.prefix(7)), ["weights", "Bound", .string(volume), "200Gi", "RWO", "", "<unset>"])
        XCTAssertEqual(cells.last, "Filesystem")

        // Applying the same manifest again keeps the binding (status is a subresource).
        let applied = await api.call("PATCH", "\(claims)/weights", query: [("fieldManager", "kvdeck")],
                                     headers: [("Content-Type", "application/apply-patch+yaml")], body: claim)
        XCTAssertEqual(applied.status, 200, applied.text)
        XCTAssertEqual(applied.json["spec"]?["volumeName"]?.stringValue, volume)
        XCTAssertEqual(applied.json["status"]?["phase"], "Bound")
        let deleted = await api.call("DELETE", "\(claims)/weights")
        XCTAssertEqual(deleted.json["status"], "Success")
        let gone = await api.call("GET", "\(claims)/weights")
        XCTAssertEqual(gone.status, 404)
    }

    func testNetworkPoliciesAreAppliedWatchedListedAndDefaulted() async throws {
        let api = await LocalAPI.withNamespace()
        let watch = await api.call("GET", policies, query: [("watch", "true"), ("timeoutSeconds", "2")])
        let policy: JSONValue = ["apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                                 "metadata": ["name": "vllm", "namespace": "fixtures"],
                                 "spec": ["podSelector": ["matchLabels": ["app.kubernetes.io/name": "vllm"]],
                                          "ingress": [["ports": [["port": 8000]]]]]]
        let applied = await api.call("PATCH", "\(policies)/vllm", query: [("fieldManager", "kvdeck")],
                                     headers: [("Content-Type", "application/apply-patch+yaml")], body: policy)
        XCTAssertEqual(applied.status, 201, applied.text)
        XCTAssertEqual(applied.json["spec"]?["policyTypes"], ["Ingress"])
        XCTAssertEqual(applied.json["spec"]?["ingress"]?[0]?["ports"]?[0]?["protocol"], "TCP")
        XCTAssertEqual(applied.json["metadata"]?["generation"], 1)
        XCTAssertEqual(applied.json["metadata"]?["managedFields"]?[0]?["operation"], "Apply")
        let events = await watch.events(upTo: 1)
        XCTAssertEqual(events.first?["type"], "ADDED")
        XCTAssertEqual(events.first?["object"]?["metadata"]?["name"], "vllm")

        let list = await api.call("GET", policies)
        XCTAssertEqual(list.json["kind"], "NetworkPolicyList")
        XCTAssertEqual(list.json["apiVersion"], "networking.k8s.io/v1")
        let table = await api.call("GET", "\(policies)/vllm", headers: [("Accept", Self.tableAccept)])
        XCTAssertEqual(table.json["rows"]?[0]?["cells"]?.arrayValue?.prefix(2).map { $0 }, ["vllm", "app.kubernetes.io/name=vllm"])
        let deleted = await api.call("DELETE", "\(policies)/vllm")
        XCTAssertEqual(deleted.status, 200)
        let after = await api.call("GET", policies)
        XCTAssertEqual(after.json["items"]?.arrayValue?.count, 0)
    }

    /// The controller's numbers for a Deployment of two Ready pods: a number minAvailable counts
    /// the matching pods, maxUnavailable and percentages the Deployment's scale (rounded up).
    func testBudgetStatusComesFromTheMatchingPods() async throws {
        let cluster = try await RunningLocalCluster.start()
        do {
            try await checkBudgets(cluster)
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    private func checkBudgets(_ cluster: RunningLocalCluster) async throws {
        _ = try await cluster.client.create(Deployment.resourceType, body: try recordedDeployment())
        let selector: JSONValue = ["matchLabels": ["app.kubernetes.io/instance": "vllm-qwen"]]
        func budget(_ name: String, _ spec: JSONValue) -> JSONValue {
            var spec = spec
            spec["selector"] = selector
            return ["apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": ["name": .string(name), "namespace": "fixtures"],
                    "spec": spec]
        }
        let type = ResourceType(group: "policy", version: "v1", resource: "poddisruptionbudgets", kind: "PodDisruptionBudget", namespaced: true)
        let fresh = try await cluster.client.create(type, body: budget("min-one", ["minAvailable": 1]))
        XCTAssertEqual(fresh["status"]?["disruptionsAllowed"], 0)
        XCTAssertEqual(fresh["metadata"]?["generation"], 1)
        _ = try await cluster.client.create(type, body: budget("max-half", ["maxUnavailable": "50%"]))
        _ = try await cluster.client.create(type, body: budget("min-all", ["minAvailable": "100%"]))

        func settled(_ name: String) async throws -> JSONValue {
            for _ in 0..<200 {
                let object = try await cluster.client.get(type, name: name, namespace: "fixtures")
                if object["status"]?["currentHealthy"] == 2 { return object }
                try await Task.sleep(for: .milliseconds(25))
            }
            XCTFail("\(name) never saw two healthy pods")
            return .null
        }
        let minOne = try await settled("min-one")
        XCTAssertEqual(minOne["status"]?["expectedPods"], 2)
        XCTAssertEqual(minOne["status"]?["desiredHealthy"], 1)
        XCTAssertEqual(minOne["status"]?["disruptionsAllowed"], 1)
        XCTAssertEqual(minOne["status"]?["observedGeneration"], 1)
        XCTAssertEqual(minOne["status"]?["conditions"]?[0]?["reason"], "SufficientPods")
        let maxHalf = try await settled("max-half")
        XCTAssertEqual(maxHalf["status"]?["expectedPods"], 2)
        XCTAssertEqual(maxHalf["status"]?["desiredHealthy"], 1)
        XCTAssertEqual(maxHalf["status"]?["disruptionsAllowed"], 1)
        let minAll = try await settled("min-all")
        XCTAssertEqual(minAll["status"]?["desiredHealthy"], 2)
        XCTAssertEqual(minAll["status"]?["disruptionsAllowed"], 0)
        XCTAssertEqual(minAll["status"]?["conditions"]?[0]?["status"], "False")
        XCTAssertEqual(minAll["status"]?["conditions"]?[0]?["reason"], "InsufficientPods")

        let table = await cluster.api.call("GET", budgets, headers: [("Accept", Self.tableAccept)])
        let rows = table.json["rows"]?.arrayValue?.map { Array(($0["cells"]?.arrayValue ?? []).prefix(4)) }
        XCTAssertEqual(rows, [["max-half", "N/A", "50%", 1], ["min-all", "100%", "N/A", 0], ["min-one", "1", "N/A", 1]])
    }
}
