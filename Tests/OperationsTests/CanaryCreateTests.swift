import Foundation
import Kube
import KvdeckTestSupport
import LocalCluster
@testable import Operations
import XCTest
import YAML

/// `canary create` on the local cluster: the demo without its canary, then a new track through
/// the demo's HTTPRoute (canary Service + backendRef) or by replicas, each detected by
/// `canary status` and driven by promote and abort; and the refusals.
final class CanaryCreateTests: SeededDemoTestCase {
    let namespace = DemoSeed.namespace

    /// The demo as it was before its canary: the stable track behind an HTTPRoute with one backend.
    func removeDemoCanary(keepRoute: Bool) async throws {
        try await client.delete(Deployment.resourceType, name: "smollm2-canary", namespace: namespace)
        try await client.delete(Service.resourceType, name: "smollm2-canary", namespace: namespace)
        if keepRoute {
            let patch: JSONValue = [["op": "remove", "path": "/spec/rules/0/backendRefs/1"],
                                    ["op": "remove", "path": "/spec/rules/0/backendRefs/0/weight"]]
            _ = try await client.patch(CanaryResources.httpRoute, name: "smollm2", namespace: namespace,
                                       patch: patch.jsonData(), type: .json)
        } else {
            try await client.delete(CanaryResources.httpRoute, name: "smollm2", namespace: namespace)
        }
    }

    func routeBackends() async throws -> [String] {
        let route = try await client.get(CanaryResources.httpRoute, name: "smollm2", namespace: namespace)
        return (route.value(at: "spec", "rules", "0", "backendRefs")?.arrayValue ?? []).map {
            "\($0["name"]?.stringValue ?? "")=\($0["weight"]?.intValue.map(String.init) ?? "-")"
        }
    }

    func testCreateThroughTheHTTPRouteThenStatusPromoteAbort() async throws {
        try await removeDemoCanary(keepRoute: true)
        let operation = try await canary.create(name: "smollm2", namespace: namespace,
                                                change: CanaryTrackChange(image: "ghcr.io/kvdeck/kvdeck:0.2.0", weight: 20))
        XCTAssertEqual(operation.requests.map { "\($0.method.rawValue) \($0.pathAndQuery) \($0.contentType)" }, [
            "POST /apis/apps/v1/namespaces/llm-prod/deployments application/json",
            "POST /api/v1/namespaces/llm-prod/services application/json",
            "PATCH /apis/gateway.networking.k8s.io/v1/namespaces/llm-prod/httproutes/smollm2 application/json-patch+json",
        ])
        XCTAssertEqual(operation.requests[2].bodyText,
                       #"[{"op":"test","path":"/spec/rules/0/backendRefs/0/name","value":"smollm2-stable"},{"op":"add","path":"/spec/rules/0/backendRefs/0/weight","value":80},{"op":"add","path":"/spec/rules/0/backendRefs/-","value":{"name":"smollm2-canary","port":8000,"weight":20}}]"#)
        let deployment = try JSONValue(json: operation.requests[0].body)
        XCTAssertEqual(deployment.value(at: "metadata", "name")?.stringValue, "smollm2-canary")
        XCTAssertEqual(deployment.value(at: "spec", "selector", "matchLabels", "track")?.stringValue, "canary")
        XCTAssertEqual(deployment.value(at: "spec", "template", "metadata", "labels", "track")?.stringValue, "canary")
        XCTAssertEqual(deployment.value(at: "spec", "replicas")?.intValue, 1)
        XCTAssertEqual(deployment.value(at: "spec", "template", "spec", "containers", "0", "image")?.stringValue, "ghcr.io/kvdeck/kvdeck:0.2.0")
        XCTAssertNil(deployment.value(at: "metadata", "annotations", "deployment.kubernetes.io/revision"))
        XCTAssertNil(deployment["status"])
        let service = try JSONValue(json: operation.requests[1].body)
        XCTAssertEqual(service.value(at: "spec", "selector"), ["app": "smollm2", "track": "canary"])
        XCTAssertTrue(operation.warnings.contains { $0.contains("before its pods are ready") }, "\(operation.warnings)")

        let result = try await runner.execute(operation)
        XCTAssertEqual(result.message, "deployment.apps/smollm2-canary created, with 20% of httproute/smollm2's traffic")
        let backends = try await routeBackends()
        XCTAssertEqual(backends, ["smollm2-stable=80", "smollm2-canary=20"])
        // The controllers run the new track, and the stable Deployment's selector does not take its pod.
        // Its pod is told by the new image: the demo's old canary pods (same labels) may still be
        // going away while the new one starts.
        try await waitFor("the canary's pod") {
            try await self.client.list(Pod.self, namespace: self.namespace, labelSelector: "app=smollm2,track=canary").items
                .contains { $0.spec?.containers?.first?.image == "ghcr.io/kvdeck/kvdeck:0.2.0" }
        }
        let stablePods = try await client.list(Pod.self, namespace: namespace, labelSelector: "app=smollm2,track=stable").items
        XCTAssertFalse(stablePods.contains { $0.metadata.name?.hasPrefix("smollm2-canary") ?? false })

        var state = try await canary.status(name: "smollm2", namespace: namespace)
        XCTAssertEqual(state.mechanism, .httpRoute(name: "smollm2", rule: 0, stable: 0, canary: 1))
        XCTAssertEqual([state.stableWeight, state.canaryWeight, state.canaryPercent], [80, 20, 20])
        XCTAssertEqual(state.summary, "20% httproute")
        _ = try await runner.execute(try await canary.promote(state))
        let promoted = try await routeBackends()
        XCTAssertEqual(promoted, ["smollm2-stable=0", "smollm2-canary=100"])
        state = try await canary.status(name: "smollm2", namespace: namespace)
        _ = try await runner.execute(try await canary.abort(state))
        let aborted = try await routeBackends()
        XCTAssertEqual(aborted, ["smollm2-stable=100", "smollm2-canary=0"])
    }

    /// An Istio mesh instead of a Gateway: a VirtualService of another name whose one destination
    /// is the stable Service by its cluster DNS name.
    func testCreateThroughAVirtualServiceThenStatusPromoteAbort() async throws {
        try await removeDemoCanary(keepRoute: false)
        let host = "smollm2-stable.\(namespace).svc.cluster.local"
        let mesh: JSONValue = [
            "apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
            "metadata": ["name": "smollm2-mesh", "namespace": .string(namespace)],
            "spec": ["hosts": [.string("smollm2.\(namespace).svc.cluster.local")],
                     "http": [["name": "primary", "route": [["destination": ["host": .string(host), "port": ["number": 8000]]]]]]],
        ]
        _ = try await client.create(CanaryResources.virtualService, namespace: namespace, body: mesh)
        let operation = try await canary.create(name: "smollm2", namespace: namespace,
                                                change: CanaryTrackChange(image: "ghcr.io/kvdeck/kvdeck:0.2.0", weight: 25))
        XCTAssertEqual(operation.requests.map { "\($0.method.rawValue) \($0.pathAndQuery) \($0.contentType)" }, [
            "POST /apis/apps/v1/namespaces/llm-prod/deployments application/json",
            "POST /api/v1/namespaces/llm-prod/services application/json",
            "PATCH /apis/networking.istio.io/v1/namespaces/llm-prod/virtualservices/smollm2-mesh application/json-patch+json",
        ])
        XCTAssertEqual(operation.requests[2].bodyText,
                       #"[{"op":"test","path":"/spec/http/0/route/0/destination/host","value":"smollm2-stable.llm-prod.svc.cluster.local"},{"op":"add","path":"/spec/http/0/route/0/weight","value":75},{"op":"add","path":"/spec/http/0/route/-","value":{"destination":{"host":"smollm2-canary.llm-prod.svc.cluster.local","port":{"number":8000}},"weight":25}}]"#)
        let result = try await runner.execute(operation)
        XCTAssertEqual(result.message, "deployment.apps/smollm2-canary created, with 25% of virtualservice/smollm2-mesh's traffic")
        let service = try await client.get(Service.resourceType, name: "smollm2-canary", namespace: namespace)
        XCTAssertEqual(service.value(at: "spec", "selector"), ["app": "smollm2", "track": "canary"])

        func destinations() async throws -> [String] {
            let route = try await client.get(CanaryResources.virtualService, name: "smollm2-mesh", namespace: namespace)
            return (route.value(at: "spec", "http", "0", "route")?.arrayValue ?? []).map {
                "\($0.value(at: "destination", "host")?.stringValue ?? "")=\($0["weight"]?.intValue.map(String.init) ?? "-")"
            }
        }
        let split = try await destinations()
        XCTAssertEqual(split, ["\(host)=75", "smollm2-canary.llm-prod.svc.cluster.local=25"])
        // Found through the Service its host names, though the route has another name.
        var state = try await canary.status(name: "smollm2", namespace: namespace)
        XCTAssertEqual(state.mechanism, .virtualService(name: "smollm2-mesh", route: 0, stable: 0, canary: 1))
        XCTAssertEqual(state.summary, "25% istio")
        _ = try await runner.execute(try await canary.promote(state))
        let promoted = try await destinations()
        XCTAssertEqual(promoted, ["\(host)=0", "smollm2-canary.llm-prod.svc.cluster.local=100"])
        state = try await canary.status(name: "smollm2", namespace: namespace)
        _ = try await runner.execute(try await canary.abort(state))
        let aborted = try await destinations()
        XCTAssertEqual(aborted, ["\(host)=100", "smollm2-canary.llm-prod.svc.cluster.local=0"])
    }

    func testCreateByReplicasWhenNoRouteThenStatusPromoteAbort() async throws {
        try await removeDemoCanary(keepRoute: false)
        do {
            _ = try await canary.create(name: "smollm2", namespace: namespace, change: CanaryTrackChange(image: "x:1", weight: 20))
            XCTFail("a weight was accepted without a route")
        } catch let error as OperationError {
            XCTAssertTrue(error.description.contains("split is by replicas"), error.description)
        }
        let operation = try await canary.create(name: "smollm2", namespace: namespace,
                                                change: CanaryTrackChange(model: "/models/SmolLM2-360M-Instruct.gguf"))
        XCTAssertEqual(operation.requests.map(\.pathAndQuery), ["/apis/apps/v1/namespaces/llm-prod/deployments"])
        // The demo's Services select one track each: none carries both.
        XCTAssertTrue(operation.warnings.contains { $0.contains("no Service selects both tracks") }, "\(operation.warnings)")
        let created = try JSONValue(json: operation.requests[0].body)
        XCTAssertEqual(created.value(at: "spec", "template", "spec", "containers", "0", "command"),
                       ["kvdeck", "serve", "/models/SmolLM2-360M-Instruct.gguf"])
        _ = try await runner.execute(operation)

        var state = try await canary.status(name: "smollm2", namespace: namespace)
        XCTAssertEqual(state.mechanism, .replicaRatio(stable: "smollm2", canary: "smollm2-canary", service: nil))
        XCTAssertEqual(state.summary, "1/3 replicas")
        let fromCanaryRow = try await canary.status(name: "smollm2-canary", namespace: namespace)
        XCTAssertEqual(fromCanaryRow.mechanism, state.mechanism, "the canary track's name finds the same pair")

        _ = try await runner.execute(try await canary.promote(state))
        let stable = try await client.get(Deployment.self, name: "smollm2", namespace: namespace)
        XCTAssertEqual(stable.spec?.template?.spec?.containers?.first?.command, ["kvdeck", "serve", "/models/SmolLM2-360M-Instruct.gguf"])
        XCTAssertEqual(stable.spec?.template?.metadata?.labels?["track"], "stable", "promote keeps the stable track's labels")
        let canaryTrack = try await client.get(Deployment.self, name: "smollm2-canary", namespace: namespace)
        XCTAssertEqual(canaryTrack.spec?.replicas, 0)

        _ = try await runner.execute(try await canary.setWeight(try await canary.status(name: "smollm2", namespace: namespace), percent: 50))
        state = try await canary.status(name: "smollm2", namespace: namespace)
        XCTAssertEqual([state.stableWeight, state.canaryWeight], [1, 1])
        _ = try await runner.execute(try await canary.abort(state))
        let abortedCanary = try await client.get(Deployment.self, name: "smollm2-canary", namespace: namespace)
        XCTAssertEqual(abortedCanary.spec?.replicas, 0)
    }

    func testCreateRefusesWhatWouldBreakTheSplit() async throws {
        try await assertRefused(CanaryTrackChange(image: "x:1"), "already exists")
        try await assertRefused(CanaryTrackChange(), "give --image, --model or --args")
        try await assertRefused(CanaryTrackChange(image: "x:1", replicas: 0), "at least 1 replica")
        // A route rule that already has two backends is a canary in progress.
        try await client.delete(Deployment.resourceType, name: "smollm2-canary", namespace: namespace)
        try await assertRefused(CanaryTrackChange(image: "x:1"), "already splits rule 0 between 2 backends")
        // A stable Deployment whose selector has no track label would select the canary's pods.
        var plain = try await client.get(Deployment.resourceType, name: "smollm2", namespace: namespace)
        plain["metadata"] = ["name": "plain", "namespace": .string(namespace)]
        plain["status"] = nil
        plain["spec"]?["selector"] = ["matchLabels": ["app": "plain"]]
        plain["spec"]?["template"]?["metadata"]?["labels"] = ["app": "plain"]
        _ = try await client.create(Deployment.resourceType, namespace: namespace, body: plain)
        try await assertRefused(CanaryTrackChange(image: "x:1"), "selector (app=plain) would also select the canary's pods", name: "plain")
        try await assertRefused(CanaryTrackChange(image: "x:1"), "deployment absent not found", name: "absent")
    }

    func assertRefused(_ change: CanaryTrackChange, _ reason: String, name: String = "smollm2",
                       file: StaticString = #filePath, line: UInt = #line) async throws {
        do {
            _ = try await canary.create(name: name, namespace: namespace, change: change)
            XCTFail("created a canary that should be refused (\(reason))", file: file, line: line)
        } catch let error as OperationError {
            XCTAssertTrue(error.description.contains(reason), error.description, file: file, line: line)
        }
    }

    func waitFor(_ what: String, timeout: Duration = .seconds(10), _ condition: @escaping () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTFail("timed out waiting for \(what)")
    }
}
