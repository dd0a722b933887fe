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

extension CanaryResources {
    /// The four kinds a canary's split can live in, in the order `CanaryDetection` consults them.
    public static let all = [argoRollout, inferenceService, httpRoute, virtualService]

    /// Those of `all` this server serves, each in the version named above when served, else in
    /// its group's preferred version (a VirtualService of an Istio older than 1.22 is only
    /// v1beta1; the fields read here are the same in every version). Discovery is asked whether
    /// the group exists and then whether its version lists the resource: `argoproj.io` alone
    /// may be Argo Workflows without Rollouts. A group that cannot be read (403) is left out.
    public static func served(by client: KubeClient) async throws -> [ResourceType] {
        let groups = try await client.optionalGroups()
        var served: [ResourceType] = []
        for type in all {
            guard let group = OptionalAPIGroup(rawValue: type.group), let preferred = groups.preferredVersion(of: group) else { continue }
            for version in [type.version, preferred] {
                let names = (try? await client.resources(groupVersion: "\(type.group)/\(version)").map(\.name)) ?? []
                if names.contains(type.resource) {
                    var chosen = type
                    chosen.version = version
                    served.append(chosen)
                    break
                }
            }
        }
        return served
    }
}
