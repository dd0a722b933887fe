import Deploy
import DeployTemplates
import Foundation
import XCTest
import YAML

/// Every template of manifests/, with its defaults and with the variations below, renders objects
/// that satisfy their kinds' schemas in ../shared/schemas.
final class TemplateSchemaTests: XCTestCase {
    static let library = TemplateLibrary(directory: DeployTemplatesBundle.sourceDirectory)

    /// Settings beside the defaults, per template: the optional parts switched on and off.
    static let variations: [String: [[String]]] = [
        "single-gpu": [
            ["weightsSource=hub", "hfToken=hf_example", "storageClass=fast-ssd", "gpuProduct=NVIDIA-H100-80GB-HBM3",
             "extraArgs=--enable-prefix-caching --max-num-seqs=128", "accessMode=ReadWriteMany"],
            ["weightsSource=s3", "s3Endpoint=http://minio.storage:9000", "model=/models/weights", "persistence=false", "replicas=0"],
        ],
        "tensor-parallel": [["gpus=8", "tensorParallel=8"], ["gpus=8", "tensorParallel=4", "pipelineParallel=2", "weightsSource=hub"]],
        "multi-node-lws": [["nodes=4", "pipelineParallel=4", "replicas=2", "extraArgs=--enforce-eager"]],
        "multi-node-ray": [["workers=3", "pipelineParallel=4"], ["gpusPerNode=4", "tensorParallel=4", "pipelineParallel=2"]],
        "kserve": [["canaryTrafficPercent=", "storageUri=hf://Qwen/Qwen2.5-7B-Instruct"], ["canaryTrafficPercent=0", "minReplicas=0"]],
        "autoscaling-hpa": [["minReplicas=2", "maxReplicas=8", "targetWaiting=500m"]],
        "autoscaling-keda": [["minReplicas=0", "threshold=10"]],
        "network-policy": [["gatewayNamespace=envoy-gateway-system"]],
        "disruption-budget": [["maxUnavailable=0"]],
        "istio-security": [["mtlsMode=PERMISSIVE"]],
        "gateway-canary": [["stableWeight=0", "canaryWeight=100", "requestTimeout=30m"]],
        "pod-monitor": [["interval=30s"]],
        "grafana-dashboard": [["folder=Inference"]],
    ]

    func testEveryTemplateIsCoveredHere() {
        XCTAssertEqual(Set(Self.library.names), Set(Self.variations.keys), "each template needs variations here")
    }

    func testEveryRenderingValidatesAgainstTheSchemas() throws {
        var checked = 0
        for name in Self.library.names {
            let template = try Self.library.template(named: name)
            for settings in [[]] + (Self.variations[name] ?? []) {
                let rendered = try ManifestRenderer.render(template, settings: settings, namespace: "llm-prod")
                XCTAssertFalse(rendered.objects.isEmpty, "\(name) \(settings)")
                for object in rendered.objects {
                    let errors = try SchemaCatalog.shared.validate(object)
                    let what = "\(name) \(settings) \(object["kind"]?.stringValue ?? "?")/\(object["metadata"]?["name"]?.stringValue ?? "?")"
                    XCTAssertEqual(errors, [], what)
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 40)
    }

    func testTheDashboardIsGrafanaJSONOnV1MetricNames() throws {
        let rendered = try ManifestRenderer.render(try Self.library.template(named: "grafana-dashboard"), namespace: "monitoring")
        let text = try XCTUnwrap(rendered.objects.first?["data"]?["vllm-dashboard.json"]?.stringValue)
        let dashboard = try JSONValue(json: text)
        let expressions = (dashboard["panels"]?.arrayValue ?? []).flatMap { $0["targets"]?.arrayValue ?? [] }
            .compactMap { $0["expr"]?.stringValue }
        XCTAssertGreaterThanOrEqual(expressions.count, 10)
        for name in ["vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc",
                     "vllm:time_to_first_token_seconds_bucket", "vllm:inter_token_latency_seconds_bucket",
                     "vllm:e2e_request_latency_seconds_bucket", "vllm:generation_tokens_total", "vllm:prefix_cache_hits_total"] {
            XCTAssertTrue(expressions.contains { $0.contains(name) }, name)
        }
        // V0 names that V1 removed or renamed (engine-anchors §1.5) must not be queried.
        for removed in ["gpu_cache_usage_perc", "time_per_output_token_seconds", "gpu_prefix_cache"] {
            XCTAssertFalse(expressions.contains { $0.contains(removed) }, removed)
        }
    }
}
