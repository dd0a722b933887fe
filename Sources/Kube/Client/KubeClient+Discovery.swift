import Foundation

/// Discovery: what the server is and which groups and resources it serves.
extension KubeClient {
    public func serverVersion() async throws -> ServerVersion {
        let request = APIRequest(method: "GET", path: "/version")
        return try decode(ServerVersion.self, from: try await send(request), request: request)
    }

    /// Every API group, the core group ("") first. Asks for aggregated discovery (one request for
    /// all named groups) and falls back to the legacy APIGroupList when the server answers 406
    /// or sends the legacy form anyway.
    public func apiGroups() async throws -> [APIGroupInfo] {
        let coreRequest = APIRequest(method: "GET", path: "/api")
        let core = try decode(DiscoveryDocuments.APIVersions.self, from: try await send(coreRequest), request: coreRequest)
        var groups: [APIGroupInfo] = []
        if let preferred = core.versions.first {
            groups.append(APIGroupInfo(name: "", versions: core.versions, preferredVersion: preferred))
        }
        return groups + (try await namedGroups())
    }

    /// Which of KServe, Istio, Gateway API, Argo Rollouts, LeaderWorkerSet, KubeRay and KEDA
    /// this cluster serves, and in which preferred version.
    public func optionalGroups() async throws -> OptionalGroups {
        OptionalGroups(groups: try await namedGroups())
    }

    /// The resources of one group version ("v1", "apps/v1", "example.com/v1").
    public func resources(groupVersion: String) async throws -> [APIResourceInfo] {
        let path = groupVersion.contains("/") ? "/apis/\(groupVersion)" : "/api/\(groupVersion)"
        let request = APIRequest(method: "GET", path: path)
        return try decode(DiscoveryDocuments.APIResourceList.self, from: try await send(request), request: request).resources
    }

    private func namedGroups() async throws -> [APIGroupInfo] {
        var request = APIRequest(method: "GET", path: "/apis", accept: MediaType.aggregatedDiscovery)
        let response: HTTPResponse
        do {
            response = try await send(request)
        } catch let error as KubeAPIError where error.code == 406 {
            request.accept = MediaType.json
            response = try await send(request)
        }
        let kind = try decode(DiscoveryDocuments.Kind.self, from: response, request: request).kind
        if kind == "APIGroupDiscoveryList" {
            let list = try decode(DiscoveryDocuments.APIGroupDiscoveryList.self, from: response, request: request)
            return list.items.compactMap { item in
                guard let name = item.metadata?.name, let versions = item.versions?.map(\.version),
                      let preferred = versions.first else { return nil }
                return APIGroupInfo(name: name, versions: versions, preferredVersion: preferred)
            }
        }
        let list = try decode(DiscoveryDocuments.APIGroupList.self, from: response, request: request)
        return list.groups.compactMap { group in
            let versions = group.versions.map(\.version)
            guard let preferred = group.preferredVersion?.version ?? versions.first else { return nil }
            return APIGroupInfo(name: group.name, versions: versions, preferredVersion: preferred)
        }
    }
}
