import Foundation
import LocalCluster
import XCTest
import YAML

final class ObjectAPITests: XCTestCase {
    let deployments = "/apis/apps/v1/namespaces/fixtures/deployments"

    func testCreateGetListDeploymentStampsMetadata() async throws {
        let api = await LocalAPI.withNamespace()
        let created = await api.call("POST", deployments, query: [("fieldManager", "kubectl-create")], body: try recordedDeployment())
        XCTAssertEqual(created.status, 201)
        XCTAssertEqual(created.header("Content-Type"), "application/json")
        let object = created.json
        XCTAssertEqual(object["metadata"]?["generation"], 1)
        XCTAssertNotNil(object["metadata"]?["uid"]?.stringValue)
        XCTAssertNotNil(Int(object["metadata"]?["resourceVersion"]?.stringValue ?? ""))
        let timestamp = try XCTUnwrap(object["metadata"]?["creationTimestamp"]?.stringValue)
        XCTAssertTrue(timestamp.hasSuffix("Z") && timestamp.count == 20, timestamp)
        XCTAssertEqual(object["spec"]?["progressDeadlineSeconds"], 600)
        XCTAssertEqual(object["metadata"]?["managedFields"]?[0]?["manager"], "kubectl-create")

        let got = await api.call("GET", "\(deployments)/vllm-qwen")
        XCTAssertEqual(got.json, object)
        let list = await api.call("GET", deployments, query: [("limit", "500")])
        XCTAssertEqual(list.json["kind"], "DeploymentList")
        XCTAssertEqual(list.json["items"]?.arrayValue?.count, 1)
        XCTAssertNil(list.json["items"]?[0]?["kind"], "list items carry no TypeMeta, as the real server's")
        XCTAssertEqual(list.json["metadata"]?["resourceVersion"], object["metadata"]?["resourceVersion"])
        let all = await api.call("GET", "/apis/apps/v1/deployments")
        XCTAssertEqual(all.json["items"]?.arrayValue?.count, 1)
    }

    func testErrorsMatchRecordedStatuses() async throws {
        let api = await LocalAPI.withNamespace()
        _ = await api.call("POST", deployments, body: try recordedDeployment())
        try assertStatus(await api.call("POST", deployments, body: try Fixture.json("07-errors/409-already-exists-create-deployment.request.json")),
                         equals: "07-errors/409-already-exists-create-deployment.json")
        try assertStatus(await api.call("GET", "\(deployments)/vllm-missing"), equals: "07-errors/404-get-missing-deployment.json")
        try assertStatus(await api.call("GET", "/apis/apps/v1/namespaces/no-such-namespace/deployments/vllm-qwen"),
                         equals: "07-errors/404-get-deployment-in-missing-namespace.json")
        try assertStatus(await api.call("POST", "\(deployments)/vllm-qwen", body: try recordedDeployment()),
                         equals: "07-errors/405-post-to-named-resource.json")
        try assertStatus(await api.call("POST", "/api/v1/namespaces/fixtures/configmaps",
                                        body: try Fixture.json("07-errors/422-invalid-name-create-configmap.request.json")),
                         equals: "07-errors/422-invalid-name-create-configmap.json")
        // A PUT carrying an old resourceVersion.
        var stale = await api.call("GET", "\(deployments)/vllm-qwen").json
        _ = await api.call("PATCH", "\(deployments)/vllm-qwen", headers: [("Content-Type", "application/merge-patch+json")],
                           body: ["spec": ["replicas": 3]])
        stale["spec"]?["replicas"] = 4
        try assertStatus(await api.call("PUT", "\(deployments)/vllm-qwen", body: stale),
                         equals: "07-errors/409-conflict-put-stale-resourceVersion.json")
        try assertStatus(await api.call("PATCH", "\(deployments)/vllm-qwen", headers: [("Content-Type", "application/merge-patch+json")],
                                        body: try Fixture.json("07-errors/422-invalid-replicas-negative.request.json")),
                         equals: "07-errors/422-invalid-replicas-negative.deployment-patch.json")
        try assertStatus(await api.call("PATCH", "\(deployments)/vllm-qwen/scale", headers: [("Content-Type", "application/merge-patch+json")],
                                        body: try Fixture.json("07-errors/422-invalid-replicas-negative.request.json")),
                         equals: "07-errors/422-invalid-replicas-negative.scale-patch.json")
        try assertStatus(await api.call("PATCH", "\(deployments)/vllm-qwen/scale", headers: [("Content-Type", "text/plain")], rawBody: Data("x".utf8)),
                         equals: "07-errors/415-patch-with-text-plain.json")
        try assertStatus(await api.call("GET", "/api/v1/namespaces/fixtures/pods", query: [("labelSelector", "app===x,")]),
                         equals: "07-errors/400-invalid-label-selector.json")
        try assertStatus(await api.call("PATCH", "\(deployments)/vllm-qwen", headers: [("Content-Type", "application/merge-patch+json")],
                                        rawBody: Data(#"{"spec":{"replicas""#.utf8)),
                         equals: "07-errors/400-malformed-json-patch.json")
    }

    func testPutWithCurrentResourceVersionUpdatesAndBumpsGeneration() async throws {
        let api = await LocalAPI.withNamespace()
        var object = await api.call("POST", deployments, body: try recordedDeployment()).json
        object["spec"]?["replicas"] = 5
        object["status"] = ["replicas": 99]
        let updated = await api.call("PUT", "\(deployments)/vllm-qwen", body: object)
        XCTAssertEqual(updated.status, 200)
        XCTAssertEqual(updated.json["spec"]?["replicas"], 5)
        XCTAssertEqual(updated.json["metadata"]?["generation"], 2)
        XCTAssertNotEqual(updated.json["status"]?["replicas"], 99, "the main resource ignores status")
        // Metadata-only change: generation stays.
        let annotated = await api.call("PATCH", "\(deployments)/vllm-qwen", headers: [("Content-Type", "application/merge-patch+json")],
                                       body: ["metadata": ["annotations": ["a": "b"]]])
        XCTAssertEqual(annotated.json["metadata"]?["generation"], 2)
        XCTAssertGreaterThan(Int(annotated.json["metadata"]?["resourceVersion"]?.stringValue ?? "") ?? 0,
                             Int(updated.json["metadata"]?["resourceVersion"]?.stringValue ?? "") ?? 0)
    }

    func testStrategicMergePatchFromKubectlSetImageChangesOnlyTheImage() async throws {
        let api = await LocalAPI.withNamespace()
        let before = await api.call("POST", deployments, body: try recordedDeployment()).json
        let lines = try String(contentsOf: Fixture.url("02-deployment-rollout/03-set-image.kubectl-requests.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONValue(json: String($0)) }
        let patchRequest = try XCTUnwrap(lines.first { $0["method"] == "PATCH" })
        let response = await api.call("PATCH", "\(deployments)/vllm-qwen", query: [("fieldManager", "kubectl-set")],
                                      headers: [("Content-Type", patchRequest["contentType"]?.stringValue ?? "")],
                                      rawBody: Data((patchRequest["body"]?.stringValue ?? "").utf8))
        XCTAssertEqual(response.status, 200)
        var after = response.json
        XCTAssertEqual(after.value(at: "spec", "template", "spec", "containers", "0", "image"), "vllm/vllm-openai:v0.6.4")
        XCTAssertEqual(after["metadata"]?["generation"], 2)
        after["spec"]?["template"]?["spec"]?["containers"] = before["spec"]?["template"]?["spec"]?["containers"]
        XCTAssertEqual(after["spec"], before["spec"], "nothing else in spec changed")
        XCTAssertEqual(after.value(at: "spec", "template", "spec", "containers")?.arrayValue?.count, 1)
    }

    func testStrategicMergeListsByKeyAndDirectives() async throws {
        let api = await LocalAPI.withNamespace()
        _ = await api.call("POST", deployments, body: try recordedDeployment())
        let patch: JSONValue = ["spec": ["template": ["spec": ["containers": [
            ["name": "sidecar", "image": "busybox"],
            ["name": "vllm", "env": [["name": "A", "value": "1"]]],
        ]]]]]
        let r = await api.call("PATCH", "\(deployments)/vllm-qwen", headers: [("Content-Type", "application/strategic-merge-patch+json")], body: patch)
        let containers = r.json.value(at: "spec", "template", "spec", "containers")?.arrayValue ?? []
        XCTAssertEqual(containers.compactMap { $0["name"]?.stringValue }, ["vllm", "sidecar"])
        XCTAssertEqual(containers[0]["image"], "vllm/vllm-openai:v0.6.3", "merged by name, image kept")
        XCTAssertEqual(containers[0]["env"]?[0]?["name"], "A")
        let delete: JSONValue = ["spec": ["template": ["spec": ["containers": [["name": "sidecar", "$patch": "delete"]]]]]]
        let r2 = await api.call("PATCH", "\(deployments)/vllm-qwen", headers: [("Content-Type", "application/strategic-merge-patch+json")], body: delete)
        XCTAssertEqual(r2.json.value(at: "spec", "template", "spec", "containers")?.arrayValue?.count, 1)
        // A merge patch replaces lists whole.
        let merge: JSONValue = ["spec": ["template": ["spec": ["containers": [["name": "only", "image": "x"]]]]]]
        let r3 = await api.call("PATCH", "\(deployments)/vllm-qwen", headers: [("Content-Type", "application/merge-patch+json")], body: merge)
        XCTAssertEqual(r3.json.value(at: "spec", "template", "spec", "containers"), [["name": "only", "image": "x"]])
    }

    func testJSONPatchAndCustomResources() async throws {
        let api = await LocalAPI.withNamespace()
        let routes = "/apis/gateway.networking.k8s.io/v1/namespaces/fixtures/httproutes"
        let route: JSONValue = ["apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
                                "metadata": ["name": "vllm"], "spec": ["weights": ["stable": 90, "canary": 10]]]
        let created = await api.call("POST", routes, body: route)
        XCTAssertEqual(created.status, 201)
        XCTAssertEqual(created.json["metadata"]?["generation"], 1)
        let ok = await api.call("PATCH", "\(routes)/vllm", headers: [("Content-Type", "application/json-patch+json")],
                                body: [["op": "test", "path": "/spec/weights/canary", "value": 10],
                                       ["op": "replace", "path": "/spec/weights/canary", "value": 25]])
        XCTAssertEqual(ok.json.value(at: "spec", "weights", "canary"), 25)
        try assertStatus(await api.call("PATCH", "\(routes)/vllm", headers: [("Content-Type", "application/json-patch+json")],
                                        body: try Fixture.json("07-errors/422-json-patch-test-op-failed.request.json")),
                         equals: "07-errors/422-json-patch-test-op-failed.json")
        try assertStatus(await api.call("PATCH", "\(routes)/vllm", headers: [("Content-Type", "application/strategic-merge-patch+json")],
                                        body: try Fixture.json("07-errors/415-strategic-merge-patch-on-custom-resource.request.json")),
                         equals: "07-errors/415-strategic-merge-patch-on-custom-resource.json")
        let vs = await api.call("POST", "/apis/networking.istio.io/v1/namespaces/fixtures/virtualservices",
                                body: ["apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": ["name": "vllm"], "spec": ["hosts": ["vllm"]]])
        XCTAssertEqual(vs.status, 201)
    }

    func testServerSideApplyCreatesThenMerges() async throws {
        let api = await LocalAPI.withNamespace()
        let path = "/api/v1/namespaces/fixtures/configmaps/kvdeck-settings"
        let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kvdeck-settings\ndata:\n  a: \"1\"\n"
        let missingManager = await api.call("PATCH", path, headers: [("Content-Type", "application/apply-patch+yaml")], rawBody: Data(yaml.utf8))
        XCTAssertEqual(missingManager.status, 422)
        let created = await api.call("PATCH", path, query: [("fieldManager", "kvdeck")], headers: [("Content-Type", "application/apply-patch+yaml")], rawBody: Data(yaml.utf8))
        XCTAssertEqual(created.status, 201)
        XCTAssertEqual(created.json["metadata"]?["managedFields"]?[0]?["operation"], "Apply")
        let second = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kvdeck-settings\ndata:\n  b: \"2\"\n"
        let merged = await api.call("PATCH", path, query: [("fieldManager", "kvdeck")], headers: [("Content-Type", "application/apply-patch+yaml")], rawBody: Data(second.utf8))
        XCTAssertEqual(merged.status, 200)
        XCTAssertEqual(merged.json["data"], ["a": "1", "b": "2"])
    }

    func testDryRunDoesNotStore() async throws {
        let api = await LocalAPI.withNamespace()
        let revision = await api.store.currentRevision
        let dry = await api.call("POST", deployments, query: [("dryRun", "All")], body: try recordedDeployment())
        XCTAssertEqual(dry.status, 201)
        XCTAssertEqual(dry.json["metadata"]?["name"], "vllm-qwen")
        let missing = await api.call("GET", "\(deployments)/vllm-qwen")
        XCTAssertEqual(missing.status, 404)
        _ = await api.call("POST", deployments, body: try recordedDeployment())
        let stored = await api.call("GET", "\(deployments)/vllm-qwen").json
        let scaled = await api.call("PATCH", "\(deployments)/vllm-qwen/scale", query: [("dryRun", "All")],
                                    headers: [("Content-Type", "application/merge-patch+json")], body: ["spec": ["replicas": 6]])
        XCTAssertEqual(scaled.json["spec"]?["replicas"], 6)
        let afterScale = await api.call("GET", "\(deployments)/vllm-qwen").json
        XCTAssertEqual(afterScale, stored)
        let deleted = await api.call("DELETE", "\(deployments)/vllm-qwen", query: [("dryRun", "All")])
        XCTAssertEqual(deleted.status, 200)
        let stillThere = await api.call("GET", "\(deployments)/vllm-qwen").status
        XCTAssertEqual(stillThere, 200)
        let revisionAfter = await api.store.currentRevision
        XCTAssertGreaterThan(revisionAfter, revision)
    }

    func testScaleSubresource() async throws {
        let api = await LocalAPI.withNamespace()
        _ = await api.call("POST", deployments, body: try recordedDeployment())
        let scale = await api.call("GET", "\(deployments)/vllm-qwen/scale").json
        let recorded = try Fixture.json("03-scale-subresource/deployment-scale.json")
        XCTAssertEqual(scale["kind"], recorded["kind"])
        XCTAssertEqual(scale["apiVersion"], recorded["apiVersion"])
        XCTAssertEqual(scale["status"]?["selector"], recorded["status"]?["selector"])
        XCTAssertEqual(scale["metadata"]?.objectValue?.keys, recorded["metadata"]?.objectValue?.keys)
        let patched = await api.call("PATCH", "\(deployments)/vllm-qwen/scale", headers: [("Content-Type", "application/merge-patch+json")],
                                     body: ["spec": ["replicas": 4]])
        XCTAssertEqual(patched.json["spec"]?["replicas"], 4)
        let deployment = await api.call("GET", "\(deployments)/vllm-qwen").json
        XCTAssertEqual(deployment["spec"]?["replicas"], 4)
        XCTAssertEqual(deployment["metadata"]?["generation"], 2)
        // PUT with a stale resourceVersion conflicts.
        var put = scale
        put["spec"]?["replicas"] = 1
        let conflict = await api.call("PUT", "\(deployments)/vllm-qwen/scale", body: put)
        XCTAssertEqual(conflict.status, 409)
        XCTAssertEqual(conflict.json["reason"], "Conflict")
    }

    func testStatusSubresourceOnlyTouchesStatus() async throws {
        let api = await LocalAPI.withNamespace()
        _ = await api.call("POST", deployments, body: try recordedDeployment())
        let r = await api.call("PATCH", "\(deployments)/vllm-qwen/status", headers: [("Content-Type", "application/merge-patch+json")],
                               body: ["spec": ["replicas": 9], "status": ["replicas": 2, "observedGeneration": 1]])
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.json["status"]?["replicas"], 2)
        XCTAssertEqual(r.json["spec"]?["replicas"], 2, "spec is untouched through /status")
        XCTAssertEqual(r.json["metadata"]?["generation"], 1)
    }

    func testGarbageCollectionOfOwnedObjects() async throws {
        let api = await LocalAPI.withNamespace()
        let deployment = await api.call("POST", deployments, body: try recordedDeployment()).json
        func owned(_ kind: String, _ apiVersion: String, by owner: JSONValue, name: String, extra: JSONValue = [:]) -> JSONValue {
            var o: JSONValue = ["apiVersion": .string(apiVersion), "kind": .string(kind), "metadata": [
                "name": .string(name), "labels": ["app.kubernetes.io/name": "vllm"],
                "ownerReferences": [["apiVersion": owner["apiVersion"]!, "kind": owner["kind"]!, "name": owner["metadata"]!["name"]!,
                                     "uid": owner["metadata"]!["uid"]!, "controller": true, "blockOwnerDeletion": true]]]]
            for (k, v) in extra.objectValue?.entries ?? [] { o[k] = v }
            return o
        }
        let rs = await api.call("POST", "/apis/apps/v1/namespaces/fixtures/replicasets",
                                body: owned("ReplicaSet", "apps/v1", by: deployment, name: "vllm-qwen-abc",
                                            extra: ["spec": ["replicas": 1, "selector": ["matchLabels": ["a": "b"]], "template": ["metadata": ["labels": ["a": "b"]], "spec": ["containers": [["name": "c", "image": "i"]]]]]])).json
        for i in 0..<2 {
            let pod = await api.call("POST", "/api/v1/namespaces/fixtures/pods",
                                     body: owned("Pod", "v1", by: rs, name: "vllm-qwen-abc-\(i)", extra: ["spec": ["containers": [["name": "c", "image": "i"]]]]))
            XCTAssertEqual(pod.status, 201)
        }
        let deleted = await api.call("DELETE", "\(deployments)/vllm-qwen")
        XCTAssertEqual(deleted.json["kind"], "Status")
        XCTAssertEqual(deleted.json["status"], "Success")
        XCTAssertEqual(deleted.json["details"]?["uid"], deployment["metadata"]?["uid"])
        let replicaSetsLeft = await api.call("GET", "/apis/apps/v1/namespaces/fixtures/replicasets").json["items"]?.arrayValue?.count
        let podsLeft = await api.call("GET", "/api/v1/namespaces/fixtures/pods").json["items"]?.arrayValue?.count
        XCTAssertEqual(replicaSetsLeft, 0)
        XCTAssertEqual(podsLeft, 0)

        // Orphan: dependents stay and lose the reference.
        let d2 = await api.call("POST", deployments, body: try recordedDeployment()).json
        _ = await api.call("POST", "/api/v1/namespaces/fixtures/pods", body: owned("Pod", "v1", by: d2, name: "p", extra: ["spec": ["containers": [["name": "c", "image": "i"]]]]))
        _ = await api.call("DELETE", "\(deployments)/vllm-qwen", query: [("propagationPolicy", "Orphan")])
        let pod = await api.call("GET", "/api/v1/namespaces/fixtures/pods/p")
        XCTAssertEqual(pod.status, 200)
        XCTAssertNil(pod.json["metadata"]?["ownerReferences"])
        let podDelete = await api.call("DELETE", "/api/v1/namespaces/fixtures/pods/p")
        XCTAssertEqual(podDelete.json["kind"], "Pod")
        let again = await api.call("DELETE", "/api/v1/namespaces/fixtures/pods/p").status
        XCTAssertEqual(again, 404)
    }

    func testCreateInMissingNamespaceAndGenerateName() async throws {
        let api = await LocalAPI.withNamespace()
        let missing = await api.call("POST", "/api/v1/namespaces/nowhere/configmaps",
                                     body: ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "x"]])
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(missing.json["message"], #"namespaces "nowhere" not found"#)
        let generated = await api.call("POST", "/api/v1/namespaces/fixtures/pods",
                                       body: ["apiVersion": "v1", "kind": "Pod", "metadata": ["generateName": "vllm-"], "spec": ["containers": [["name": "c", "image": "i"]]]])
        let name = generated.json["metadata"]?["name"]?.stringValue ?? ""
        XCTAssertTrue(name.hasPrefix("vllm-") && name.count == 10, name)
        XCTAssertEqual(generated.json["spec"]?["containers"]?[0]?["imagePullPolicy"], "Always", "an untagged image means :latest")
    }
}

final class PodEndpointTests: XCTestCase {
    func testLogAndProxyGoToThePodEndpointsHook() async throws {
        let api = LocalAPI(podEndpoints: { request, resource, object, subresource in
            ServerResponse(status: 200, body: .data(Data("\(resource.plural) \(object["metadata"]?["name"]?.stringValue ?? "") \(subresource)".utf8)))
        })
        _ = await api.call("POST", "/api/v1/namespaces", body: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "fixtures"]])
        _ = await api.call("POST", "/api/v1/namespaces/fixtures/pods", body: ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p"],
                                                                            "spec": ["containers": [["name": "c", "image": "i:1"]]]])
        let log = await api.call("GET", "/api/v1/namespaces/fixtures/pods/p/log")
        XCTAssertEqual(log.text, "pods p log")
        let metrics = await api.call("GET", "/api/v1/namespaces/fixtures/pods/p:8000/proxy/metrics")
        XCTAssertEqual(metrics.text, "pods p proxy/metrics")
        let missing = await api.call("GET", "/api/v1/namespaces/fixtures/pods/q/log")
        XCTAssertEqual(missing.json["message"], #"pods "q" not found"#)
    }
}
