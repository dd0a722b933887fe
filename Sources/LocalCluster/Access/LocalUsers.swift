import Foundation

/// Who a user of the local cluster is: the name the HTTPS front authenticated (a bearer token's
/// user, or the in-process controllers' names), the groups a SelfSubjectReview reports, and what
/// RBAC lets it do.
public struct LocalIdentity: Sendable, Hashable {
    public var username: String
    public var groups: [String]
    public var grant: AccessGrant

    public init(username: String, groups: [String], grant: AccessGrant) {
        self.username = username
        self.groups = groups
        self.grant = grant
    }
}

/// The local cluster's users. Everyone is an administrator (group system:masters, allowed
/// everything), as the embedded default's single user is, unless named here as restricted:
/// such a user holds the ClusterRole `view` and the server refuses its writes with the real
/// server's 403, so the console's and the operations' RBAC paths can be exercised locally.
public struct LocalUsers: Sendable {
    public private(set) var restricted: [String: LocalIdentity]

    public init(restricted: [LocalIdentity] = []) {
        var byName: [String: LocalIdentity] = [:]
        for identity in restricted { byName[identity.username] = identity }
        self.restricted = byName
    }

    /// The user the embedded cluster's kubeconfig offers as its read-only context.
    public static let viewerName = "kvdeck-viewer"
    public static let viewersGroup = "kvdeck:viewers"

    /// A read-only user in group `kvdeck:viewers`, bound to `view` as the recorded real
    /// cluster's `console-viewer` is.
    public static func viewer(_ username: String = viewerName) -> LocalIdentity {
        LocalIdentity(username: username, groups: [viewersGroup, "system:authenticated"],
                      grant: .view(binding: "kvdeck-viewers", group: viewersGroup))
    }

    /// `kvdeck-viewer` restricted; everyone else an administrator.
    public static let standard = LocalUsers(restricted: [viewer()])

    public func identity(of username: String) -> LocalIdentity {
        if let known = restricted[username] { return known }
        return LocalIdentity(username: username, groups: ["system:masters", "system:authenticated"], grant: .everything)
    }
}
