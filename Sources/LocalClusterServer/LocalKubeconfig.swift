import Foundation
import LocalCluster

/// The kubeconfig that points kubectl and kvdeck at the local cluster: cluster `kvdeck-local`
/// (the server URL and the local CA), user `kvdeck-admin` (a bearer token) and context
/// `kvdeck-local` with a default namespace; with a viewer token, also user `kvdeck-viewer` and
/// context `kvdeck-local-viewer` (read-only: `LocalUsers.viewer`). Written as JSON, which every
/// kubeconfig reader accepts (YAML is a superset), with mode 0600 because it holds the tokens.
public struct LocalKubeconfig: Sendable {
    public var server: String
    public var caCertificatePEM: String
    public var token: String
    /// The read-only user's token; nil writes no viewer user or context.
    public var viewerToken: String?
    public var viewerContextName = "kvdeck-local-viewer"
    public var clusterName = "kvdeck-local"
    public var userName = "kvdeck-admin"
    public var contextName = "kvdeck-local"
    public var namespace = "llm-prod"

    public init(server: String, caCertificatePEM: String, token: String, viewerToken: String? = nil) {
        self.server = server
        self.caCertificatePEM = caCertificatePEM
        self.token = token
        self.viewerToken = viewerToken
    }

    /// `$XDG_STATE_HOME/kvdeck/local-cluster`, else `$HOME/.local/state/kvdeck/local-cluster`.
    public static func defaultStateDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            return URL(fileURLWithPath: state).appendingPathComponent("kvdeck/local-cluster")
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".local/state/kvdeck/local-cluster")
    }

    /// The kubeconfig document, as JSON bytes.
    public func encoded() throws -> Data {
        var users: [[String: Any]] = [["name": userName, "user": ["token": token]]]
        var contexts: [[String: Any]] = [[
            "name": contextName,
            "context": ["cluster": clusterName, "user": userName, "namespace": namespace],
        ]]
        if let viewerToken {
            users.append(["name": LocalUsers.viewerName, "user": ["token": viewerToken]])
            contexts.append(["name": viewerContextName,
                             "context": ["cluster": clusterName, "user": LocalUsers.viewerName, "namespace": namespace]])
        }
        let document: [String: Any] = [
            "apiVersion": "v1",
            "kind": "Config",
            "preferences": [String: Any](),
            "current-context": contextName,
            "clusters": [[
                "name": clusterName,
                "cluster": [
                    "server": server,
                    "certificate-authority-data": Data(caCertificatePEM.utf8).base64EncodedString(),
                ],
            ]],
            "users": users,
            "contexts": contexts,
        ]
        var data = try JSONSerialization.data(withJSONObject: document,
                                              options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        data.append(0x0A)
        return data
    }

    /// Writes the kubeconfig to `directory/kubeconfig` (creating the directory, mode 0700) with
    /// mode 0600, replacing any earlier one atomically. Returns the file's path.
    @discardableResult
    public func write(toDirectory directory: URL = LocalKubeconfig.defaultStateDirectory()) throws -> String {
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: directory, withIntermediateDirectories: true,
                                        attributes: [.posixPermissions: 0o700])
        let path = directory.appendingPathComponent("kubeconfig").path
        let temporary = directory.appendingPathComponent(".kubeconfig.\(UUID().uuidString)").path
        // Created 0600 before any byte of the token is written.
        guard fileManager.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw LocalKubeconfigError.cannotWrite(path: temporary)
        }
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
            defer { try? handle.close() }
            try handle.write(contentsOf: try encoded())
            try handle.synchronize()
        } catch {
            try? fileManager.removeItem(atPath: temporary)
            throw LocalKubeconfigError.cannotWrite(path: path)
        }
        guard rename(temporary, path) == 0 else {
            try? fileManager.removeItem(atPath: temporary)
            throw LocalKubeconfigError.cannotWrite(path: path)
        }
        return path
    }
}

public enum LocalKubeconfigError: Error, Sendable, CustomStringConvertible {
    case cannotWrite(path: String)

    public var description: String {
        switch self {
        case let .cannotWrite(path): return "cannot write the local cluster's kubeconfig at \(path); check that its directory is writable"
        }
    }
}
