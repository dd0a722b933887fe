import Foundation
import YAML

/// Turns one parsed kubeconfig file into a `Kubeconfig`, checking the type of every field
/// and recording, per entry, the file it came from. Semantic checks that depend on which
/// context is used (CA with insecure, cert without key, ...) wait for resolution, as in client-go.
enum KubeconfigDecoder {
    static func decode(_ document: JSONValue, file: String) throws -> Kubeconfig {
        let top: JSONObject
        switch document {
        case .null: top = [:]  // an empty file is an empty config
        case let .object(object): top = object
        default: throw KubeconfigError.unparseable(file: file, detail: "the top level is not a mapping")
        }
        let root = KubeconfigFields(file: file, path: "", object: top)
        var config = Kubeconfig(files: [file])
        if let current = try root.string("current-context"), !current.isEmpty { config.currentContext = current }
        config.preferences = try root.mapping("preferences")?.object ?? [:]
        config.extensions = try root.namedExtensions("extensions")
        config.clusters = try namedEntries(root, list: "clusters", body: "cluster", decode: cluster)
        config.users = try namedEntries(root, list: "users", body: "user", decode: user)
        config.contexts = try namedEntries(root, list: "contexts", body: "context", decode: context)
        return config
    }

    /// Reads `list[]: {name, body: {...}}`; a name used twice in one file is an error, as in
    /// client-go's conversion to maps.
    private static func namedEntries<Entry>(
        _ root: KubeconfigFields, list: String, body: String,
        decode: (String, KubeconfigOrigin, KubeconfigFields) throws -> Entry
    ) throws -> [Entry] {
        var entries: [Entry] = []
        var firstPathByName: [String: String] = [:]
        for item in try root.mappingList(list) {
            let name = try item.requiredString("name")
            let origin = KubeconfigOrigin(file: root.file, path: "\(item.path) \"\(name)\"")
            if let earlier = firstPathByName[name] {
                throw KubeconfigError.invalidField(file: root.file, field: origin.path,
                                                   problem: "duplicate name (also defined at \(earlier))")
            }
            firstPathByName[name] = item.path
            let fields = try item.mapping(body).map {
                KubeconfigFields(file: root.file, path: origin.field(body), object: $0.object)
            } ?? KubeconfigFields(file: root.file, path: origin.field(body), object: [:])
            entries.append(try decode(name, origin, fields))
        }
        return entries
    }

    private static func cluster(_ name: String, _ origin: KubeconfigOrigin, _ f: KubeconfigFields) throws -> KubeconfigCluster {
        var c = KubeconfigCluster(name: name, origin: origin)
        c.server = try f.string("server")
        c.certificateAuthority = try f.path("certificate-authority")
        c.certificateAuthorityData = try f.base64Data("certificate-authority-data")
        c.insecureSkipTLSVerify = try f.bool("insecure-skip-tls-verify") ?? false
        c.tlsServerName = try f.string("tls-server-name").flatMap { $0.isEmpty ? nil : $0 }
        c.proxyURL = try f.string("proxy-url").flatMap { $0.isEmpty ? nil : $0 }
        c.disableCompression = try f.bool("disable-compression") ?? false
        c.extensions = try f.namedExtensions("extensions")
        return c
    }

    private static func user(_ name: String, _ origin: KubeconfigOrigin, _ f: KubeconfigFields) throws -> KubeconfigUser {
        var u = KubeconfigUser(name: name, origin: origin)
        u.clientCertificate = try f.path("client-certificate")
        u.clientCertificateData = try f.base64Data("client-certificate-data")
        u.clientKey = try f.path("client-key")
        u.clientKeyData = try f.base64Data("client-key-data").map(Redacted.init)
        u.token = try f.string("token").flatMap { $0.isEmpty ? nil : Redacted($0) }
        u.tokenFile = try f.path("tokenFile")
        u.username = try f.string("username").flatMap { $0.isEmpty ? nil : $0 }
        u.password = try f.string("password").flatMap { $0.isEmpty ? nil : Redacted($0) }
        u.impersonate = try f.string("as").flatMap { $0.isEmpty ? nil : $0 }
        u.impersonateUID = try f.string("as-uid").flatMap { $0.isEmpty ? nil : $0 }
        u.impersonateGroups = try f.stringArray("as-groups")
        if let extra = try f.mapping("as-user-extra") {
            u.impersonateUserExtra = try extra.object.keys.map { key in (key, try extra.stringArray(key)) }
        }
        if let provider = try f.mapping("auth-provider") {
            u.authProvider = AuthProviderConfig(name: try provider.requiredString("name"),
                                                config: try provider.stringMap("config"))
        }
        if let exec = try f.mapping("exec") { u.exec = try execConfig(exec) }
        u.extensions = try f.namedExtensions("extensions")
        return u
    }

    private static func execConfig(_ f: KubeconfigFields) throws -> ExecPluginConfig {
        var command = try f.string("command") ?? ""
        // client-go resolves the command against the kubeconfig's directory only when it
        // contains a path separator; a bare name is looked up in PATH when it runs.
        if command.contains("/") { command = KubeconfigFields.absolutePath(command, relativeTo: f.file) }
        var exec = ExecPluginConfig(command: command)
        exec.args = try f.stringArray("args")
        exec.env = try f.mappingList("env").map { item in
            (try item.requiredString("name"), Redacted(try item.string("value") ?? ""))
        }
        exec.apiVersion = try f.string("apiVersion") ?? ""
        exec.installHint = try f.string("installHint").flatMap { $0.isEmpty ? nil : $0 }
        exec.provideClusterInfo = try f.bool("provideClusterInfo") ?? false
        if let mode = try f.string("interactiveMode"), !mode.isEmpty {
            guard let parsed = ExecInteractiveMode(rawValue: mode) else {
                throw f.error("interactiveMode", "must be one of Never, IfAvailable, Always")
            }
            exec.interactiveMode = parsed
        }
        return exec
    }

    private static func context(_ name: String, _ origin: KubeconfigOrigin, _ f: KubeconfigFields) throws -> KubeconfigContext {
        var c = KubeconfigContext(name: name, origin: origin)
        c.cluster = try f.string("cluster") ?? ""
        c.user = try f.string("user") ?? ""
        c.namespace = try f.string("namespace").flatMap { $0.isEmpty ? nil : $0 }
        c.extensions = try f.namedExtensions("extensions")
        return c
    }
}
