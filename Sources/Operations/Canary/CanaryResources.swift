import Kube

/// The custom resources a canary can be driven through. All are sent JSON or merge patches:
/// the API server refuses strategic merge on custom resources (415).
public enum CanaryResources {
    public static let httpRoute = ResourceType(group: "gateway.networking.k8s.io", version: "v1", resource: "httproutes",
                                               kind: "HTTPRoute", namespaced: true)
    public static let virtualService = ResourceType(group: "networking.istio.io", version: "v1", resource: "virtualservices",
                                                    kind: "VirtualService", namespaced: true)
    public static let inferenceService = ResourceType(group: "serving.kserve.io", version: "v1beta1",
                                                      resource: "inferenceservices", kind: "InferenceService", namespaced: true)
    public static let argoRollout = ResourceType(group: "argoproj.io", version: "v1alpha1", resource: "rollouts",
                                                 kind: "Rollout", namespaced: true)
}
