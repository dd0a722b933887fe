import Foundation
import YAML

/// Objects shaped like the real CRDs' instances (each is checked against its JSON schema from
/// `../shared/schemas/crds-jsonschema` in `CanarySchemaTests`), for the canary operations' and
/// the console's tests.
public enum CanaryObjects {
    public static let schemaFiles: [String: String] = [
        "virtualService": "networking.istio.io/virtualservice_v1.json",
        "httpRouteOwnedByFlagger": "gateway.networking.k8s.io/httproute_v1.json",
        "inferenceService": "serving.kserve.io/inferenceservice_v1beta1.json",
        "argoRollout": "argoproj.io/rollout_v1alpha1.json",
        "argoManagedVirtualService": "networking.istio.io/virtualservice_v1.json",
    ]

    public static func object(_ name: String) throws -> JSONValue {
        guard let text = texts[name] else { throw CocoaError(.fileNoSuchFile) }
        return try JSONValue(json: Data(text.utf8))
    }

    public static let texts: [String: String] = [
        "virtualService": """
        {"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"qwen","namespace":"fixtures"},
         "spec":{"hosts":["qwen.fixtures.svc.cluster.local"],"http":[{"name":"primary","route":[
           {"destination":{"host":"qwen","subset":"stable","port":{"number":8000}},"weight":90},
           {"destination":{"host":"qwen","subset":"canary","port":{"number":8000}},"weight":10}]}]}}
        """,
        "argoManagedVirtualService": """
        {"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"qwen-argo","namespace":"fixtures"},
         "spec":{"hosts":["qwen-argo"],"http":[{"name":"primary","route":[
           {"destination":{"host":"qwen-argo-stable"},"weight":100},
           {"destination":{"host":"qwen-argo-canary"},"weight":0}]}]}}
        """,
        "httpRouteOwnedByFlagger": """
        {"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute","metadata":{"name":"podinfo","namespace":"fixtures",
          "ownerReferences":[{"apiVersion":"flagger.app/v1beta1","kind":"Canary","name":"podinfo","uid":"0f0c2c2e-1111-4c8e-9d1a-0123456789ab","controller":true}]},
         "spec":{"parentRefs":[{"name":"inference-gateway"}],"rules":[{"backendRefs":[
           {"name":"podinfo-primary","port":9898,"weight":80},{"name":"podinfo-canary","port":9898,"weight":20}]}]}}
        """,
        "inferenceService": """
        {"apiVersion":"serving.kserve.io/v1beta1","kind":"InferenceService","metadata":{"name":"qwen-isvc","namespace":"fixtures"},
         "spec":{"predictor":{"canaryTrafficPercent":10,"model":{"modelFormat":{"name":"huggingface"},
           "storageUri":"hf://Qwen/Qwen2.5-0.5B-Instruct","args":["--max-model-len","8192"]}}},
         "status":{"components":{"predictor":{"latestCreatedRevision":"qwen-isvc-predictor-00002",
           "latestReadyRevision":"qwen-isvc-predictor-00002","latestRolledoutRevision":"qwen-isvc-predictor-00001",
           "previousRolledoutRevision":"qwen-isvc-predictor-00001","traffic":[
             {"latestRevision":true,"percent":10,"revisionName":"qwen-isvc-predictor-00002","tag":"latest"},
             {"latestRevision":false,"percent":90,"revisionName":"qwen-isvc-predictor-00001","tag":"prev"}]}}}}
        """,
        "argoRollout": """
        {"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout","metadata":{"name":"qwen-argo","namespace":"fixtures"},
         "spec":{"replicas":4,"selector":{"matchLabels":{"app":"qwen-argo"}},
           "template":{"metadata":{"labels":{"app":"qwen-argo"}},"spec":{"containers":[{"name":"vllm","image":"vllm/vllm-openai:v0.6.4"}]}},
           "strategy":{"canary":{"canaryService":"qwen-argo-canary","stableService":"qwen-argo-stable",
             "trafficRouting":{"istio":{"virtualService":{"name":"qwen-argo","routes":["primary"]}}},
             "steps":[{"setWeight":20},{"pause":{}},{"setWeight":50},{"pause":{"duration":"10m"}}]}}},
         "status":{"phase":"Paused","currentStepIndex":1,"stableRS":"6c9f7d8b5","currentPodHash":"7d4b9c6f8",
           "pauseConditions":[{"reason":"CanaryPauseStep","startTime":"2026-11-21T10:30:00Z"}],
           "canary":{"weights":{"canary":{"podTemplateHash":"7d4b9c6f8","serviceName":"qwen-argo-canary","weight":20},
                                 "stable":{"podTemplateHash":"6c9f7d8b5","serviceName":"qwen-argo-stable","weight":80}}},
           "message":"CanaryPauseStep"}}
        """,
    ]
}
