import Foundation
import YAML

extension Kubeconfig {
    /// The context `--context` names, else `current-context`; nil when neither is set.
    public func selectedContextName(override: String? = nil) -> String? {
        if let override, !override.isEmpty { return override }
        return currentContext
    }

    /// Resolves a context into everything the API client needs: server, TLS and proxy settings,
    /// credentials, namespace and warnings. Checks what client-go checks before it connects
    /// (client_config.go, validation.go, transport.go); each error names the file and field.
    ///
    /// - Parameters:
    ///   - context: a context name; nil uses `current-context`.
    ///   - namespace: overrides the context's namespace; without either it is "default".
    public func resolve(context: String? = nil, namespace: String? = nil,
                        options: CredentialOptions = CredentialOptions()) throws -> ClusterConnection {
        guard let contextName = selectedContextName(override: context) else {
            throw KubeconfigError.noCurrentContext(available: contextNames)
        }
        guard let selected = self.context(named: contextName) else {
            throw KubeconfigError.contextNotFound(name: contextName, available: contextNames)
        }
        let contextFields = KubeconfigOrigin(file: selected.origin.file, path: selected.origin.field("context"))
        guard !selected.cluster.isEmpty else {
            throw KubeconfigError.invalidField(file: contextFields.file, field: contextFields.field("cluster"),
                                               problem: "is required")
        }
        guard let cluster = cluster(named: selected.cluster) else {
            throw KubeconfigError.missingReference(file: contextFields.file, field: contextFields.field("cluster"),
                                                   kind: "cluster", name: selected.cluster)
        }
        var user: KubeconfigUser?
        if !selected.user.isEmpty {
            guard let found = self.user(named: selected.user) else {
                throw KubeconfigError.missingReference(file: contextFields.file, field: contextFields.field("user"),
                                                       kind: "user", name: selected.user)
            }
            user = found
        }

        let endpoint = try ResolvedClusterEndpoint(cluster)
        var tls = TLSOptions(caPEM: endpoint.caPEM, insecureSkipVerify: cluster.insecureSkipTLSVerify,
                             serverName: cluster.tlsServerName)
        var credentials: any CredentialSource = NoCredentials()
        var userName = ""
        if let user {
            let resolved = try ResolvedUserCredentials(user, cluster: endpoint.execClusterInfo(cluster), options: options)
            tls.clientIdentity = resolved.clientIdentity
            credentials = resolved.source
            userName = user.name
        }
        let transport = TransportOptions(tls: tls, proxyURL: endpoint.proxyURL,
                                         disableCompression: cluster.disableCompression)
        var warnings: [String] = []
        if cluster.insecureSkipTLSVerify {
            warnings.append("insecure-skip-tls-verify is set for cluster \(cluster.name): the server's certificate is not checked")
        }
        let chosenNamespace = [namespace, selected.namespace].compactMap { $0 }.first { !$0.isEmpty } ?? "default"
        return ClusterConnection(server: endpoint.server, transport: transport, credentials: credentials,
                                 namespace: chosenNamespace, contextName: selected.name,
                                 clusterName: cluster.name, userName: userName, warnings: warnings)
    }
}

/// The checked server URL, trust anchors and proxy of one cluster entry.
struct ResolvedClusterEndpoint {
    var server: URL
    var caPEM: Data?
    var proxyURL: URL?

    init(_ cluster: KubeconfigCluster) throws {
        let fields = KubeconfigOrigin(file: cluster.origin.file, path: cluster.origin.field("cluster"))
        func fail(_ field: String, _ problem: String) -> KubeconfigError {
            .invalidField(file: fields.file, field: fields.field(field), problem: problem)
        }
        guard let text = cluster.server, !text.isEmpty else { throw fail("server", "is required") }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["https", "http"].contains(scheme),
              let host = url.host, !host.isEmpty
        else {
            throw fail("server", "must be an https:// or http:// URL with a host")
        }
        server = url

        let hasCA = cluster.certificateAuthorityData != nil || cluster.certificateAuthority != nil
        if hasCA, cluster.insecureSkipTLSVerify {
            throw fail("insecure-skip-tls-verify", "specifying a root certificates file with the insecure flag is not allowed")
        }
        if let data = cluster.certificateAuthorityData {
            caPEM = data  // the -data form overrides the path
        } else if let path = cluster.certificateAuthority {
            caPEM = try readReferencedFile(path, file: fields.file, field: fields.field("certificate-authority"))
        }

        if let text = cluster.proxyURL {
            // Never echo the proxy URL: it may carry a user and password.
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased() else {
                throw fail("proxy-url", "is not a valid URL")
            }
            guard ["http", "https", "socks5"].contains(scheme) else {
                throw fail("proxy-url", "unsupported scheme \"\(scheme)\", must be http, https, or socks5")
            }
            guard let host = url.host, !host.isEmpty else { throw fail("proxy-url", "has no host") }
            proxyURL = url
        }
    }

    /// What an exec plugin with `provideClusterInfo` is told about this cluster.
    func execClusterInfo(_ cluster: KubeconfigCluster) -> ExecClusterInfo {
        ExecClusterInfo(server: server.absoluteString, certificateAuthorityData: caPEM,
                        tlsServerName: cluster.tlsServerName, insecureSkipTLSVerify: cluster.insecureSkipTLSVerify,
                        proxyURL: cluster.proxyURL, disableCompression: cluster.disableCompression,
                        config: cluster.extensions["client.authentication.k8s.io/exec"])
    }
}

/// Reads a file a kubeconfig field points at; errors name the field and path, never the contents.
func readReferencedFile(_ path: String, file: String, field: String) throws -> Data {
    guard let data = FileManager.default.contents(atPath: path) else {
        let reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
        throw KubeconfigError.invalidField(file: file, field: field, problem: "cannot read \(path): \(reason)")
    }
    return data
}
