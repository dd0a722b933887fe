import Foundation
import Kube
import KvdeckTestSupport
@testable import Operations
import XCTest
import YAML

/// `CanaryDetection` as a pure function over objects shaped like the real CRDs' instances, the
/// short summaries the workloads screen shows, and the canary track's builders.
final class CanaryDetectionTests: XCTestCase {
    func deployment(_ name: String, namespace: String = "fixtures", labels: [String: String], replicas: Int,
                    podLabels: [String: String]? = nil) -> Deployment {
        let pods = podLabels ?? labels
        return Deployment(metadata: ObjectMeta(name: name, namespace: namespace, labels: labels),
                          spec: DeploymentSpec(replicas: replicas, selector: LabelSelector(matchLabels: pods),
                                               template: PodTemplateSpec(metadata: ObjectMeta(labels: pods), spec: nil)))
    }

    func service(_ name: String, namespace: String = "fixtures", selector: [String: String]) throws -> Service {
        try JSONValueDecoder().decode(Service.self, from: [
            "metadata": ["name": .string(name), "namespace": .string(namespace)],
            "spec": ["selector": .object(JSONObject(selector.map { ($0.key, .string($0.value)) }))],
        ])
    }

    func testEachMechanismFromObjectsAlone() throws {
        let inputs = CanaryInputs(
            deployments: [deployment("qwen-argo", labels: ["app": "qwen-argo"], replicas: 0),
                          deployment("llama", labels: ["app": "llama", "track": "stable"], replicas: 6),
                          deployment("llama-canary", labels: ["app": "llama", "track": "canary"], replicas: 2)],
            services: [try service("llama", selector: ["app": "llama"])],
            virtualServices: [try CanaryObjects.object("virtualService")],
            inferenceServices: [try CanaryObjects.object("inferenceService")],
            rollouts: [try CanaryObjects.object("argoRollout")])
        let argo = try XCTUnwrap(CanaryDetection.state(of: "qwen-argo", namespace: "fixtures", in: inputs))
        XCTAssertEqual(argo.mechanism, .argoRollout(name: "qwen-argo"))
        XCTAssertEqual(argo.summary, "argo step 1/4")
        XCTAssertEqual(CanaryDetection.state(of: "qwen-isvc", namespace: "fixtures", in: inputs)?.summary, "kserve 10%")
        XCTAssertEqual(CanaryDetection.state(of: "qwen", namespace: "fixtures", in: inputs)?.summary, "10% istio")
        let ratio = try XCTUnwrap(CanaryDetection.state(of: "llama", namespace: "fixtures", in: inputs))
        XCTAssertEqual(ratio.mechanism, .replicaRatio(stable: "llama", canary: "llama-canary", service: "llama"))
        XCTAssertEqual(ratio.summary, "2/8 replicas")
        XCTAssertEqual(CanaryDetection.state(of: "llama-canary", namespace: "fixtures", in: inputs), ratio)
        XCTAssertNil(CanaryDetection.state(of: "llama", namespace: "other", in: inputs), "objects of another namespace")
        XCTAssertNil(CanaryDetection.state(of: "absent", namespace: "fixtures", in: inputs))
    }

    func testAnArgoRolloutWithAWorkloadRefOwnsTheDeploymentsSplit() throws {
        var rollout = try CanaryObjects.object("argoRollout")
        rollout["metadata"]?["name"] = "qwen-rollout"
        rollout["spec"]?["workloadRef"] = ["apiVersion": "apps/v1", "kind": "Deployment", "name": "qwen-argo"]
        let inputs = CanaryInputs(rollouts: [rollout])
        XCTAssertEqual(CanaryDetection.state(of: "qwen-argo", namespace: "fixtures", in: inputs)?.mechanism,
                       .argoRollout(name: "qwen-rollout"))
    }

    func testAnHTTPRouteOfAnotherNameIsFoundThroughTheServiceOfThePods() throws {
        var route = try CanaryObjects.object("httpRouteOwnedByFlagger")
        route["metadata"]?["name"] = "inference"
        route["metadata"]?["ownerReferences"] = nil
        let inputs = CanaryInputs(
            deployments: [deployment("podinfo", labels: ["app": "podinfo"], replicas: 2)],
            services: [try service("podinfo-primary", selector: ["app": "podinfo"])],
            httpRoutes: [route])
        let state = try XCTUnwrap(CanaryDetection.state(of: "podinfo", namespace: "fixtures", in: inputs))
        XCTAssertEqual(state.mechanism, .httpRoute(name: "inference", rule: 0, stable: 0, canary: 1))
        XCTAssertEqual(state.summary, "20% httproute")
        XCTAssertNil(CanaryDetection.state(of: "podinfo", namespace: "fixtures",
                                           in: CanaryInputs(deployments: inputs.deployments.values.map { $0 }, httpRoutes: [route])),
                     "without a Service of the pods the route is someone else's")
    }

    func testModelReplacementWhereverTheCommandLineNamesIt() {
        XCTAssertEqual(ModelArguments.replacing(model: "B", command: ["vllm", "serve", "A"], args: ["--port", "8000"])?.command,
                       ["vllm", "serve", "B"])
        XCTAssertEqual(ModelArguments.replacing(model: "B", command: ["vllm"], args: ["serve", "A", "--port", "8000"])?.args,
                       ["serve", "B", "--port", "8000"])
        XCTAssertEqual(ModelArguments.replacing(model: "B", command: [], args: ["--model", "A", "--served-model-name", "m"])?.args,
                       ["--model", "B", "--served-model-name", "m"])
        XCTAssertEqual(ModelArguments.replacing(model: "B", command: ["python3", "-m", "vllm.entrypoints.openai.api_server", "--model=A"],
                                                args: [])?.command.last, "--model=B")
        XCTAssertNil(ModelArguments.replacing(model: "B", command: ["server"], args: ["--port", "8000"]))
    }

    func testTheCanaryTrackIsACopyWithItsOwnTrack() throws {
        let stable: JSONValue = try JSONValue(json: Data("""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"llama","namespace":"fixtures","uid":"u1","resourceVersion":"9",
          "labels":{"app":"llama","track":"stable"},"annotations":{"deployment.kubernetes.io/revision":"4","team":"ml"}},
         "spec":{"replicas":6,"selector":{"matchLabels":{"app":"llama","track":"stable"}},
          "template":{"metadata":{"labels":{"app":"llama","track":"stable"}},"spec":{"containers":[
            {"name":"proxy","image":"envoy:1"},
            {"name":"vllm","image":"vllm/vllm-openai:v0.6.4","args":["--model","meta-llama/Llama-3.1-8B","--port","8000"]}]}}},
         "status":{"replicas":6}}
        """.utf8))
        let canary = try CanaryTrack.deployment(from: stable, change: CanaryTrackChange(image: "vllm/vllm-openai:v0.7.0",
                                                                                        model: "meta-llama/Llama-3.2-3B", replicas: 2))
        XCTAssertEqual(canary.value(at: "metadata"), [
            "name": "llama-canary", "namespace": "fixtures", "labels": ["app": "llama", "track": "canary"],
            "annotations": ["team": "ml", "kubernetes.io/change-cause":
                "kvdeck canary create llama: image=vllm/vllm-openai:v0.7.0, model=meta-llama/Llama-3.2-3B"],
        ])
        XCTAssertEqual(canary.value(at: "spec", "template", "spec", "containers", "0", "image"), "envoy:1", "only the serving container changes")
        XCTAssertEqual(canary.value(at: "spec", "template", "spec", "containers", "1"), [
            "name": "vllm", "image": "vllm/vllm-openai:v0.7.0", "args": ["--model", "meta-llama/Llama-3.2-3B", "--port", "8000"],
        ])
        XCTAssertEqual(canary.value(at: "spec", "replicas"), 2)
        XCTAssertNoThrow(try CanaryTrack.checkSeparate(stable: stable, canary: canary))
        XCTAssertThrowsError(try CanaryTrack.deployment(from: stable, change: CanaryTrackChange(model: "m", args: ["--port", "1"]))) {
            XCTAssertTrue("\($0)".contains("names no model"), "\($0)")
        }
    }
}

extension CanaryDetectionTests {
    /// Istio destination hosts name Services by Kubernetes DNS; only this namespace's count.
    func testVirtualServiceHostsNameServicesOfTheirNamespace() throws {
        let cases: [(String, String?)] = [
            ("qwen", "qwen"), ("qwen.fixtures", "qwen"), ("qwen.fixtures.svc", "qwen"),
            ("qwen.fixtures.svc.cluster.local", "qwen"), ("qwen.fixtures.svc.corp.example", "qwen"),
            ("qwen.other", nil), ("qwen.other.svc.cluster.local", nil), ("api.example.com", nil),
            ("qwen.fixtures.example", nil), ("*.fixtures.svc.cluster.local", nil), ("", nil),
        ]
        for (host, service) in cases {
            XCTAssertEqual(WeightedRouteCanary.serviceName(ofHost: host, namespace: "fixtures"), service, host)
        }
        XCTAssertEqual(WeightedRouteCanary.host("qwen.fixtures.svc.cluster.local", withService: "qwen-canary"),
                       "qwen-canary.fixtures.svc.cluster.local")
        XCTAssertEqual(WeightedRouteCanary.host("qwen", withService: "qwen-canary"), "qwen-canary")
        // A destination with a subset splits through a DestinationRule: not a route a canary Service joins.
        let stable = try service("qwen", selector: ["app": "qwen"])
        let services = [try JSONValueEncoder().encode(stable)]
        func route(_ destination: JSONValue) -> JSONValue {
            ["metadata": ["name": "qwen"], "spec": ["http": [["route": [["destination": destination]]]]]]
        }
        XCTAssertNil(try CanaryOperations.routeSplit(CanaryResources.virtualService, [route(["host": "qwen", "subset": "v1"])],
                                                     services: services, namespace: "fixtures", rollouts: []))
        let plain = route(["host": "qwen"])
        let split = try CanaryOperations.routeSplit(CanaryResources.virtualService, [plain], services: services,
                                                    namespace: "fixtures", rollouts: [])
        XCTAssertEqual(split.map { [$0.rule, $0.backend] }, [0, 0])
    }
}
