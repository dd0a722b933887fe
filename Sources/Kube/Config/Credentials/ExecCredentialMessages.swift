import Foundation
import YAML

/// What an exec plugin is told about the cluster when `provideClusterInfo` is set
/// (ExecCredential `spec.cluster`, client.authentication.k8s.io).
public struct ExecClusterInfo: Sendable, Equatable {
    public var server: String
    public var certificateAuthorityData: Data?
    public var tlsServerName: String?
    public var insecureSkipTLSVerify: Bool
    public var proxyURL: String?
    public var disableCompression: Bool
    /// The cluster's `client.authentication.k8s.io/exec` extension.
    public var config: JSONValue?

    public init(server: String, certificateAuthorityData: Data? = nil, tlsServerName: String? = nil,
                insecureSkipTLSVerify: Bool = false, proxyURL: String? = nil,
                disableCompression: Bool = false, config: JSONValue? = nil) {
        self.server = server
        self.certificateAuthorityData = certificateAuthorityData
        self.tlsServerName = tlsServerName
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.proxyURL = proxyURL
        self.disableCompression = disableCompression
        self.config = config
    }
}

/// The credential an exec plugin printed.
struct ExecCredentialOutput: Sendable {
    var token: Redacted<String>?
    var clientIdentity: ClientIdentity?
    /// nil: valid until the server refuses it.
    var expiration: Date?

    func isExpired(at now: Date) -> Bool {
        guard let expiration else { return false }
        return now >= expiration
    }
}

/// The ExecCredential JSON documents exchanged with a plugin.
enum ExecCredentialMessages {
    /// `KUBERNETES_EXEC_INFO`: `{apiVersion, kind, spec: {interactive, cluster?}}`.
    static func request(apiVersion: String, interactive: Bool, cluster: ExecClusterInfo?) -> String {
        var spec: JSONObject = ["interactive": .bool(interactive)]
        if let cluster {
            var info: JSONObject = ["server": .string(cluster.server)]
            if let ca = cluster.certificateAuthorityData { info["certificate-authority-data"] = .string(ca.base64EncodedString()) }
            if let name = cluster.tlsServerName { info["tls-server-name"] = .string(name) }
            if cluster.insecureSkipTLSVerify { info["insecure-skip-tls-verify"] = .bool(true) }
            if let proxy = cluster.proxyURL { info["proxy-url"] = .string(proxy) }
            if cluster.disableCompression { info["disable-compression"] = .bool(true) }
            if let config = cluster.config { info["config"] = config }
            spec["cluster"] = .object(info)
        }
        let document: JSONValue = .object(["apiVersion": .string(apiVersion), "kind": "ExecCredential",
                                           "spec": .object(spec)])
        return document.jsonString()
    }

    /// Reads the plugin's stdout. `problem` strings never include values from the output.
    static func parseResponse(_ stdout: Data, expectedAPIVersion: String, command: String) throws -> ExecCredentialOutput {
        func invalid(_ problem: String) -> ExecPluginError { .invalidOutput(command: command, problem: problem) }
        guard let object = try? JSONSerialization.jsonObject(with: stdout) as? [String: Any] else {
            throw invalid("the output is not a JSON object")
        }
        let apiVersion = object["apiVersion"] as? String ?? ""
        guard apiVersion == expectedAPIVersion else {
            throw invalid("apiVersion is \"\(apiVersion)\" but the kubeconfig asks for \"\(expectedAPIVersion)\"")
        }
        if let kind = object["kind"] as? String, kind != "ExecCredential" {
            throw invalid("kind is \"\(kind)\", expected \"ExecCredential\"")
        }
        guard let status = object["status"] as? [String: Any] else { throw invalid("exec plugin didn't return a status field") }
        let token = (status["token"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        let certificate = (status["clientCertificateData"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        let key = (status["clientKeyData"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        if token == nil, certificate == nil, key == nil { throw invalid("exec plugin didn't return a token or cert/key pair") }
        if (certificate == nil) != (key == nil) { throw invalid("exec plugin returned only certificate or key, not both") }
        var output = ExecCredentialOutput(token: token.map(Redacted.init))
        if let certificate, let key {
            output.clientIdentity = ClientIdentity(certificatePEM: Data(certificate.utf8), keyPEM: Data(key.utf8))
        }
        if let stamp = status["expirationTimestamp"] as? String {
            guard let date = KubeTime.date(from: stamp) else { throw invalid("expirationTimestamp is not an RFC 3339 time") }
            output.expiration = date
        }
        return output
    }
}
