import Foundation

/// Discovery: what the server is and which groups and resources it serves.
extension KubeClient {
    public func serverVersion() async throws -> ServerVersion {
        let request = APIRequest(method: "GET", path: "/version")
        return try decode(ServerVersion.self, from: try await send(request), request: request)
    }

    /// Every API group, the core group ("") first. Asks for aggregated discovery (one request for
    /// the core group, one for all named groups, each with its resources) and falls back to the
    /// legacy documents when the server answers 406 or sends the legacy form anyway.
    public func apiGroups() async throws -> [APIGroupInfo] {
        try await groups(at: "/api") + (try await groups(at: "/apis"))
    }

    /// Which of KServe, Istio, Gateway API, Argo Rollouts, LeaderWorkerSet, KubeRay and KEDA
    /// this cluster serves, and in which preferred version.
    public func optionalGroups() async throws -> OptionalGroups {
        OptionalGroups(groups: try await groups(at: "/apis"))
    }

    /// The resources of one group version ("v1", "apps/v1", "example.com/v1").
    public func resources(groupVersion: String) async throws -> [APIResourceInfo] {
        let path = groupVersion.contains("/") ? "/apis/\(groupVersion)" : "/api/\(groupVersion)"
        let request = APIRequest(method: "GET", path: path)
        return try decode(DiscoveryDocuments.APIResourceList.self, from: try await send(request), request: request).resources
    }

    /// The resource a name means on this server, as kubectl's mapper finds it: the first match in
    /// discovery (the core group, then each group's preferred version) by plural, singular, short
    /// name or kind, in any case; with `group`, only in that group. Subresources never match
    /// ("deployments/scale" has kind Scale). With aggregated discovery the group lists carry the
    /// resources (two requests in all); otherwise each group's list is read in turn, and a group
    /// whose list cannot be read is skipped, as kubectl skips an aggregated API that is down.
    public func findResource(_ name: String, group: String? = nil) async throws -> ResourceType? {
        let name = name.lowercased()
        for info in try await apiGroups() where group == nil || info.name == group {
            let groupVersion = info.name.isEmpty ? info.preferredVersion : "\(info.name)/\(info.preferredVersion)"
            var resources = info.preferredResources
            if resources == nil { resources = try? await self.resources(groupVersion: groupVersion) }
            let match = resources?.first { r in
                !r.name.contains("/")
                    && (r.name == name || r.singularName?.lowercased() == name || r.shortNames?.contains(name) == true
                        || r.kind.lowercased() == name)
            }
            if let type = match?.resourceType(groupVersion: groupVersion) { return type }
        }
        return nil
    }

    /// The groups of one discovery root: `/api` (the core group, named "") or `/apis`.
    private func groups(at path: String) async throws -> [APIGroupInfo] {
        var request = APIRequest(method: "GET", path: path, accept: MediaType.aggregatedDiscovery)
        let response: HTTPResponse
        do {
            response = try await send(request)
        } catch let error as KubeAPIError where error.code == 406 {
            request.accept = MediaType.json
            response = try await send(request)
        }
        let core = path == "/api"
        switch try decode(DiscoveryDocuments.Kind.self, from: response, request: request).kind {
        case "APIGroupDiscoveryList":
            let list = try decode(DiscoveryDocuments.APIGroupDiscoveryList.self, from: response, request: request)
            return list.items.compactMap { item in
                guard let name = core ? "" : item.metadata?.name, let versions = item.versions, let preferred = versions.first else {
                    return nil
                }
                // A stale version (its aggregated API server is down) may list resources no longer served.
                let resources = preferred.freshness == "Stale" ? nil : (preferred.resources ?? []).map(\.info)
                return APIGroupInfo(name: name, versions: versions.map(\.version), preferredVersion: preferred.version,
                                    preferredResources: resources)
            }
        case _ where core:
            let versions = try decode(DiscoveryDocuments.APIVersions.self, from: response, request: request).versions
            return versions.first.map { [APIGroupInfo(name: "", versions: versions, preferredVersion: $0)] } ?? []
        default:
            let list = try decode(DiscoveryDocuments.APIGroupList.self, from: response, request: request)
            return list.groups.compactMap { group in
                let versions = group.versions.map(\.version)
                guard let preferred = group.preferredVersion?.version ?? versions.first else { return nil }
                return APIGroupInfo(name: group.name, versions: versions, preferredVersion: preferred)
            }
        }
    }
}
