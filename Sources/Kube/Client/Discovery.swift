/// /version.
public struct ServerVersion: Codable, Sendable, Equatable {
    public var major: String
    public var minor: String
    public var gitVersion: String
    public var gitCommit: String?
    public var buildDate: String?
    public var goVersion: String?
    public var platform: String?
}

/// One API group and the versions it serves, newest preferred first.
public struct APIGroupInfo: Sendable, Equatable {
    /// "" for the core group.
    public var name: String
    public var versions: [String]
    public var preferredVersion: String
    /// The preferred version's resources, when the group list carried them (aggregated
    /// discovery); nil: read them with `resources(groupVersion:)`.
    public var preferredResources: [APIResourceInfo]? = nil
}

/// An APIResourceList entry: one resource (or "resource/subresource") of a group version.
public struct APIResourceInfo: Codable, Sendable, Equatable {
    public var name: String
    public var singularName: String?
    public var namespaced: Bool
    public var kind: String
    public var verbs: [String]
    public var shortNames: [String]?
    public var categories: [String]?

    /// The resource as a `ResourceType` in `groupVersion` (nil for subresources like "deployments/scale").
    public func resourceType(groupVersion: String) -> ResourceType? {
        guard !name.contains("/") else { return nil }
        let parts = groupVersion.split(separator: "/", maxSplits: 1).map(String.init)
        let (group, version) = parts.count == 2 ? (parts[0], parts[1]) : ("", groupVersion)
        return ResourceType(group: group, version: version, resource: name, kind: kind, namespaced: namespaced)
    }
}

/// The add-on APIs the console adapts to when a cluster has them.
public enum OptionalAPIGroup: String, CaseIterable, Sendable {
    case kserve = "serving.kserve.io"
    case istio = "networking.istio.io"
    case gatewayAPI = "gateway.networking.k8s.io"
    case argoRollouts = "argoproj.io"
    case leaderWorkerSet = "leaderworkerset.x-k8s.io"
    case kubeRay = "ray.io"
    case keda = "keda.sh"
}

/// Which optional groups exist, with the version each prefers.
public struct OptionalGroups: Sendable, Equatable {
    public var preferredVersions: [OptionalAPIGroup: String]

    public init(preferredVersions: [OptionalAPIGroup: String]) { self.preferredVersions = preferredVersions }

    public func has(_ group: OptionalAPIGroup) -> Bool { preferredVersions[group] != nil }
    public func preferredVersion(of group: OptionalAPIGroup) -> String? { preferredVersions[group] }

    init(groups: [APIGroupInfo]) {
        var found: [OptionalAPIGroup: String] = [:]
        for group in groups {
            if let known = OptionalAPIGroup(rawValue: group.name) { found[known] = group.preferredVersion }
        }
        preferredVersions = found
    }
}

/// Wire forms of the discovery documents.
enum DiscoveryDocuments {
    struct APIVersions: Decodable { var versions: [String] }

    struct APIGroupList: Decodable {
        struct Group: Decodable {
            struct Version: Decodable { var groupVersion: String; var version: String }
            var name: String
            var versions: [Version]
            var preferredVersion: Version?
        }
        var groups: [Group]
    }

    /// apidiscovery.k8s.io/v2 APIGroupDiscoveryList: versions are listed in preference order.
    struct APIGroupDiscoveryList: Decodable {
        struct Item: Decodable {
            struct Meta: Decodable { var name: String? }
            struct Version: Decodable {
                var version: String
                /// Omitted when empty (Go's omitempty).
                var resources: [Resource]?
                /// "Current", or "Stale" when an aggregated API server did not answer.
                var freshness: String?
            }
            var metadata: Meta?
            var versions: [Version]?
        }
        /// APIResourceDiscovery: a resource with its subresources nested, not listed beside it.
        struct Resource: Decodable {
            struct Kind: Decodable { var kind: String? }
            var resource: String
            var responseKind: Kind?
            var scope: String?
            var singularResource: String?
            var verbs: [String]?
            var shortNames: [String]?
            var categories: [String]?

            var info: APIResourceInfo {
                APIResourceInfo(name: resource, singularName: singularResource, namespaced: scope == "Namespaced",
                                kind: responseKind?.kind ?? "", verbs: verbs ?? [], shortNames: shortNames, categories: categories)
            }
        }
        var items: [Item]
    }

    struct Kind: Decodable { var kind: String? }

    struct APIResourceList: Decodable {
        var groupVersion: String
        var resources: [APIResourceInfo]
    }
}
