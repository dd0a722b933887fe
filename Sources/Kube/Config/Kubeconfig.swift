import Foundation
import YAML

/// Where an entry of a kubeconfig came from: the file, and the entry's path in it
/// (`users[2] "alice"`). Kept per entry because merging mixes entries from many files, and
/// both error messages and relative paths must still refer to the file that wrote the entry.
public struct KubeconfigOrigin: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var path: String

    public init(file: String, path: String) {
        self.file = file
        self.path = path
    }

    /// The path of a field below this entry, e.g. `users[2] "alice".user.token`.
    public func field(_ subpath: String) -> String { "\(path).\(subpath)" }

    public var description: String { "\(file): \(path)" }
}

/// A kubeconfig, one file's or the merge of several (client-go clientcmd/api/v1/types.go).
/// Relative paths in it are already absolute, resolved against the file that named them.
public struct Kubeconfig: Sendable {
    /// `current-context` of the first file that sets it.
    public var currentContext: String?
    public var clusters: [KubeconfigCluster]
    public var users: [KubeconfigUser]
    public var contexts: [KubeconfigContext]
    /// `preferences`, kept as written (first file to set a key wins).
    public var preferences: JSONObject
    /// Top-level `extensions`, by name.
    public var extensions: JSONObject
    /// The files this configuration was read from, in merge order.
    public var files: [String]

    public init(currentContext: String? = nil, clusters: [KubeconfigCluster] = [],
                users: [KubeconfigUser] = [], contexts: [KubeconfigContext] = [],
                preferences: JSONObject = [:], extensions: JSONObject = [:], files: [String] = []) {
        self.currentContext = currentContext
        self.clusters = clusters
        self.users = users
        self.contexts = contexts
        self.preferences = preferences
        self.extensions = extensions
        self.files = files
    }

    /// Context names in the order the files define them, for the console's context switcher.
    public var contextNames: [String] { contexts.map(\.name) }

    public func cluster(named name: String) -> KubeconfigCluster? { clusters.first { $0.name == name } }
    public func user(named name: String) -> KubeconfigUser? { users.first { $0.name == name } }
    public func context(named name: String) -> KubeconfigContext? { contexts.first { $0.name == name } }
}

/// `clusters[].cluster`: how to reach and trust one API server.
public struct KubeconfigCluster: Sendable {
    public var name: String
    public var origin: KubeconfigOrigin
    public var server: String?
    /// Absolute path of `certificate-authority`.
    public var certificateAuthority: String?
    /// `certificate-authority-data`, decoded; overrides the path.
    public var certificateAuthorityData: Data?
    public var insecureSkipTLSVerify: Bool = false
    public var tlsServerName: String?
    public var proxyURL: String?
    public var disableCompression: Bool = false
    /// `extensions`, by name (the exec plugin's cluster config lives under
    /// `client.authentication.k8s.io/exec`).
    public var extensions: JSONObject = [:]

    public init(name: String, origin: KubeconfigOrigin) {
        self.name = name
        self.origin = origin
    }
}

/// `users[].user`: who to be on a cluster. Secrets are `Redacted` so the entry prints safely.
public struct KubeconfigUser: Sendable {
    public var name: String
    public var origin: KubeconfigOrigin
    /// Absolute path of `client-certificate`.
    public var clientCertificate: String?
    public var clientCertificateData: Data?
    /// Absolute path of `client-key`.
    public var clientKey: String?
    public var clientKeyData: Redacted<Data>?
    public var token: Redacted<String>?
    /// Absolute path of `tokenFile`.
    public var tokenFile: String?
    public var username: String?
    public var password: Redacted<String>?
    /// `as`: the user to impersonate.
    public var impersonate: String?
    /// `as-uid`
    public var impersonateUID: String?
    /// `as-groups`
    public var impersonateGroups: [String] = []
    /// `as-user-extra`: key → values, keys in the order written.
    public var impersonateUserExtra: [(key: String, values: [String])] = []
    public var authProvider: AuthProviderConfig?
    public var exec: ExecPluginConfig?
    public var extensions: JSONObject = [:]

    public init(name: String, origin: KubeconfigOrigin) {
        self.name = name
        self.origin = origin
    }
}

/// `contexts[].context`: a cluster, a user and a default namespace under one name.
public struct KubeconfigContext: Sendable {
    public var name: String
    public var origin: KubeconfigOrigin
    public var cluster: String
    public var user: String
    public var namespace: String?
    public var extensions: JSONObject = [:]

    public init(name: String, origin: KubeconfigOrigin, cluster: String = "", user: String = "",
                namespace: String? = nil) {
        self.name = name
        self.origin = origin
        self.cluster = cluster
        self.user = user
        self.namespace = namespace
    }
}

/// `user.auth-provider`: a legacy in-tree auth plugin (only `oidc` remains in client-go).
public struct AuthProviderConfig: Sendable {
    public var name: String
    /// The provider's settings; for oidc they include `id-token`, `refresh-token` and `client-secret`.
    public var config: Redacted<[String: String]>

    public init(name: String, config: [String: String]) {
        self.name = name
        self.config = Redacted(config)
    }
}

/// `user.exec`: a credential plugin (client.authentication.k8s.io).
public struct ExecPluginConfig: Sendable {
    /// The command as written, or made absolute when it is a relative path with a separator.
    public var command: String
    public var args: [String] = []
    /// Extra environment for the plugin; values may be secrets.
    public var env: [(name: String, value: Redacted<String>)] = []
    public var apiVersion: String = ""
    public var installHint: String?
    public var provideClusterInfo: Bool = false
    /// Absent means "not written"; v1 requires it, v1beta1 defaults to IfAvailable.
    public var interactiveMode: ExecInteractiveMode?

    public init(command: String) { self.command = command }
}

/// When an exec plugin may talk to the user through the terminal.
public enum ExecInteractiveMode: String, Sendable, CaseIterable {
    case never = "Never"
    case ifAvailable = "IfAvailable"
    case always = "Always"
}
