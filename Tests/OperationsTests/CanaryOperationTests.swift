import Foundation
import Kube
import KvdeckTestSupport
import LocalCluster
@testable import Operations
import XCTest
import YAML

/// Every canary mechanism: the demo's HTTPRoute and replica split and an Istio VirtualService on
/// the local cluster (which serves those kinds), KServe and Argo Rollouts against recorded-style
/// objects; and the refusals (strategic merge never sent to a CR, managed routes never patched).
final class CanaryOperationTests: SeededDemoTestCase {
    func routeWeights() async throws -> [Int64] {
        let route = try await client.get(CanaryResources.httpRoute, name: "smollm2")
        return (route.value(at: "spec", "rules", "0", "backendRefs")?.arrayValue ?? []).compactMap { $0["weight"]?.intValue }
    }

    func testDemoHTTPRouteSplitIsDrivenWithJSONPatches() async throws {
        var state = try await canary.status(name: "smollm2", namespace: DemoSeed.namespace)
        XCTAssertEqual(state.mechanism, .httpRoute(name: "smollm2", rule: 0, stable: 0, canary: 1))
        XCTAssertEqual([state.stableWeight, state.canaryWeight, state.canaryPercent], [90, 10, 10])

        let setWeight = try await canary.setWeight(state, percent: 25)
        XCTAssertEqual(setWeight.request?.contentType, "application/json-patch+json")
        XCTAssertEqual(setWeight.request?.bodyText,
                       #"[{"op":"test","path":"/spec/rules/0/backendRefs/0/name","value":"smollm2-stable"},{"op":"replace","path":"/spec/rules/0/backendRefs/0/weight","value":75},{"op":"test","path":"/spec/rules/0/backendRefs/1/name","value":"smollm2-canary"},{"op":"replace","path":"/spec/rules/0/backendRefs/1/weight","value":25}]"#)
        _ = try await runner.execute(setWeight)
        let afterSet = try await routeWeights()
        XCTAssertEqual(afterSet, [75, 25])

        state = try await canary.status(name: "smollm2", namespace: DemoSeed.namespace)
        _ = try await runner.execute(try await canary.step(state, by: 10))
        let afterStep = try await routeWeights()
        XCTAssertEqual(afterStep, [65, 35])

        state = try await canary.status(name: "smollm2", namespace: DemoSeed.namespace)
        let promoted = try await runner.execute(try await canary.promote(state))
        XCTAssertEqual(promoted.outcome, .changed)
        let afterPromote = try await routeWeights()
        XCTAssertEqual(afterPromote, [0, 100])

        state = try await canary.status(name: "smollm2", namespace: DemoSeed.namespace)
        _ = try await runner.execute(try await canary.abort(state))
        let afterAbort = try await routeWeights()
        XCTAssertEqual(afterAbort, [100, 0])
    }

    func testReplicaRatioWhenNoRouteSplitsTheTraffic() async throws {
        try await client.delete(CanaryResources.httpRoute, name: "smollm2")
        let state = try await canary.status(name: "smollm2", namespace: DemoSeed.namespace)
        XCTAssertEqual(state.mechanism, .replicaRatio(stable: "smollm2", canary: "smollm2-canary", service: nil))
        XCTAssertEqual(state.canaryPercent, 33)
        let operation = try await canary.setWeight(state, percent: 50)
        XCTAssertEqual(operation.requests.map(\.pathAndQuery), [
            "/apis/apps/v1/namespaces/llm-prod/deployments/smollm2/scale",
            "/apis/apps/v1/namespaces/llm-prod/deployments/smollm2-canary/scale",
        ])
        XCTAssertEqual(operation.requests.map(\.bodyText), [#"{"spec":{"replicas":1}}"#, #"{"spec":{"replicas":2}}"#])
        _ = try await runner.execute(operation)
        let stable = try await client.get(Deployment.self, name: "smollm2")
        XCTAssertEqual(stable.spec?.replicas, 1)

        let promote = try await canary.promote(try await canary.status(name: "smollm2", namespace: DemoSeed.namespace))
        _ = try await runner.execute(promote)
        let promotedStable = try await client.get(Deployment.self, name: "smollm2")
        XCTAssertTrue(promotedStable.spec?.template?.spec?.containers?.first?.args?.contains("--enable-prefix-caching") ?? false)
        let canaryTrack = try await client.get(Deployment.self, name: "smollm2-canary")
        XCTAssertEqual(canaryTrack.spec?.replicas, 0)
    }

    func testIstioVirtualServiceWeights() async throws {
        let vs = try CanaryObjects.object("virtualService")
        _ = try await client.create(CanaryResources.virtualService, namespace: "llm-prod", body: retarget(vs))
        let state = try await canary.status(name: "qwen", namespace: DemoSeed.namespace)
        XCTAssertEqual(state.mechanism, .virtualService(name: "qwen", route: 0, stable: 0, canary: 1))
        XCTAssertEqual(state.canaryName, "qwen/canary")
        _ = try await runner.execute(try await canary.setWeight(state, percent: 30))
        let stored = try await client.get(CanaryResources.virtualService, name: "qwen")
        XCTAssertEqual((stored.value(at: "spec", "http", "0", "route")?.arrayValue ?? []).compactMap { $0["weight"]?.intValue }, [70, 30])
    }

    func testRoutesOwnedByFlaggerOrArgoAreNeverPatched() async throws {
        _ = try await client.create(CanaryResources.httpRoute, namespace: "llm-prod", body: retarget(try CanaryObjects.object("httpRouteOwnedByFlagger")))
        let flagger = try await canary.status(name: "podinfo", namespace: DemoSeed.namespace)
        XCTAssertEqual(flagger.managedBy, "Flagger Canary podinfo")
        do {
            _ = try await canary.setWeight(flagger, percent: 50)
            XCTFail("a Flagger-owned route was patched")
        } catch let error as OperationError {
            XCTAssertTrue(error.description.contains("managed by Flagger"), error.description)
        }
        // A VirtualService that an Argo Rollout names in its trafficRouting.
        let vs = try CanaryObjects.object("argoManagedVirtualService")
        let rollout = try CanaryObjects.object("argoRollout")
        let state = WeightedRouteCanary.state(vs, type: CanaryResources.virtualService, namespace: "fixtures")
        XCTAssertNotNil(state)
        XCTAssertEqual(RouteOwnership.manager(of: vs, kind: CanaryResources.virtualService, rollouts: [rollout]),
                       "Argo Rollouts Rollout qwen-argo")
    }

    func testKServeCanaryTrafficPercent() async throws {
        let isvc = try CanaryObjects.object("inferenceService")
        let transport = RecordedTrafficTransport(answers: [
            "/apis/serving.kserve.io/v1beta1/namespaces/fixtures/inferenceservices/qwen-isvc": isvc.jsonData(),
        ])
        let canary = CanaryOperations(client: RecordedTrafficTransport.client(transport))
        let state = try await canary.status(name: "qwen-isvc", namespace: "fixtures")
        XCTAssertEqual(state.mechanism, .kserve(name: "qwen-isvc"))
        XCTAssertEqual(state.canaryPercent, 10)
        XCTAssertEqual(state.canaryName, "qwen-isvc-predictor-00002")
        let set = try await canary.setWeight(state, percent: 40)
        XCTAssertEqual(set.request?.contentType, "application/merge-patch+json")
        XCTAssertEqual(set.request?.bodyText, #"{"spec":{"predictor":{"canaryTrafficPercent":40}}}"#)
        let promote = try await canary.promote(state)
        let abort = try await canary.abort(state)
        XCTAssertEqual(promote.request?.bodyText, #"{"spec":{"predictor":{"canaryTrafficPercent":null}}}"#)
        XCTAssertEqual(abort.request?.bodyText, #"{"spec":{"predictor":{"canaryTrafficPercent":0}}}"#)
        let runner = OperationRunner(client: RecordedTrafficTransport.client(transport), settings: OperationSettings(checkAccess: false))
        _ = try await runner.execute(set)
        XCTAssertEqual(transport.sent.last?.url, "/apis/serving.kserve.io/v1beta1/namespaces/fixtures/inferenceservices/qwen-isvc")
    }

    func testArgoRolloutPromoteAbortRetry() async throws {
        let rollout = try CanaryObjects.object("argoRollout")
        let transport = RecordedTrafficTransport(answers: [
            "/apis/argoproj.io/v1alpha1/namespaces/fixtures/rollouts/qwen-argo": rollout.jsonData(),
        ])
        let canary = CanaryOperations(client: RecordedTrafficTransport.client(transport))
        let state = try await canary.status(name: "qwen-argo", namespace: "fixtures")
        XCTAssertEqual(state.mechanism, .argoRollout(name: "qwen-argo"))
        XCTAssertEqual([state.stableWeight, state.canaryWeight], [80, 20])
        XCTAssertEqual(state.details["step"], "1/4")
        let promote = try await canary.promote(state)
        XCTAssertEqual(promote.request?.pathAndQuery, "/apis/argoproj.io/v1alpha1/namespaces/fixtures/rollouts/qwen-argo/status")
        XCTAssertEqual(promote.request?.bodyText, #"{"status":{"pauseConditions":null}}"#)
        let full = try await canary.promote(state, full: true)
        let abort = try await canary.abort(state)
        XCTAssertEqual(full.request?.bodyText, #"{"status":{"promoteFull":true}}"#)
        XCTAssertEqual(abort.request?.bodyText, #"{"status":{"abort":true}}"#)
        XCTAssertEqual(try canary.retry(state).request?.bodyText, #"{"status":{"abort":false}}"#)
        do {
            _ = try await canary.setWeight(state, percent: 50)
            XCTFail("weights of an Argo Rollout were patched")
        } catch let error as OperationError {
            XCTAssertTrue(error.description.contains("declarative steps"))
        }
    }

    func testNoCanaryRequestIsAStrategicMergePatch() async throws {
        let state = try await canary.status(name: "smollm2", namespace: DemoSeed.namespace)
        for operation in [try await canary.setWeight(state, percent: 5), try await canary.promote(state), try await canary.abort(state)] {
            for request in operation.requests where request.type.group != "apps" {
                XCTAssertNotEqual(request.patchType, .strategicMerge)
            }
        }
    }

    /// Test objects name namespace "fixtures"; the demo lives in llm-prod.
    func retarget(_ object: JSONValue) -> JSONValue {
        var object = object
        object["metadata"]?["namespace"] = .string(DemoSeed.namespace)
        return object
    }
}
