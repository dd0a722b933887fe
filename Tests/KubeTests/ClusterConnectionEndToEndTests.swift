import Foundation
import KvdeckTestSupport
import XCTest
import YAML
@testable import Kube

/// The whole chain a user's kubeconfig goes through: kubeconfig → credentials → libcurl over TLS
/// → a real HTTPS server on 127.0.0.1 that checks them, answering with recorded API responses.
final class ClusterConnectionEndToEndTests: XCTestCase {
    private var pki: TestPKI!
    private var scratch: KubeconfigScratchDirectory!
    private var servers: [ScriptServer] = []

    override func setUpWithError() throws {
        pki = try TestPKI.make()
        scratch = try KubeconfigScratchDirectory()
    }

    override func tearDown() {
        servers.forEach { $0.stop() }
        pki?.remove()
    }

    /// An HTTPS fixture server; `clientCA` makes it demand a client certificate, `token` a bearer token.
    private func server(requireClientCertificate: Bool = false, token: String? = nil) throws -> ScriptServer {
        var arguments = ["--fixtures", SharedFixtures.realAPIServer.path, "--exit-with-stdin",
                         "--tls", pki.serverCertPath, pki.serverKeyPath]
        if requireClientCertificate { arguments += ["--client-ca", pki.caPath] }
        if let token { arguments += ["--token", token] }
        let s = try ScriptServer(script: "fixture_apiserver.py", arguments: arguments)
        servers.append(s)
        return s
    }

    private func client(user: JSONObject, cluster: JSONObject, options: CredentialOptions = testCredentialOptions()) throws -> KubeClient {
        let path = try scratch.writeKubeconfig("config", KubeconfigFixtures.single(user: user, cluster: cluster))
        let connection = try KubeconfigLoader(overrides: KubeconfigOverrides(kubeconfigPath: path, context: nil, namespace: "fixtures"),
                                              environment: ["HOME": scratch.url.path]).resolve(options: options)
        return KubeClient(connection: connection, transport: try CurlTransport(options: connection.transport))
    }

    private func base64(_ data: Data) -> JSONValue { .string(data.base64EncodedString()) }

    func testClientCertificateFromKubeconfigData() async throws {
        let s = try server(requireClientCertificate: true)
        let kube = try client(user: ["client-certificate-data": base64(pki.admin.certificatePEM), "client-key-data": base64(pki.admin.keyPEM)],
                              cluster: ["server": .string("https://127.0.0.1:\(s.port)"), "certificate-authority-data": base64(pki.caPEM)])
        let pods = try await kube.list(Pod.self, namespace: "fixtures")
        XCTAssertEqual(pods.items.map { $0.metadata.name ?? "" }.sorted().last, "vllm-sts-1")
        XCTAssertEqual(pods.items.count, 5)
    }

    func testTokenAuthAndAWrongCAIsRefusedButInsecureWorksWithAWarning() async throws {
        let s = try server(token: "good-token")
        let url: JSONValue = .string("https://127.0.0.1:\(s.port)")
        let kube = try client(user: ["token": "good-token"], cluster: ["server": url, "certificate-authority-data": base64(pki.caPEM)])
        let version = try await kube.serverVersion()
        XCTAssertEqual(version.gitVersion, "v1.36.2")

        let wrongCA = try client(user: ["token": "good-token"], cluster: ["server": url, "certificate-authority-data": base64(pki.otherCAPEM)])
        do {
            _ = try await wrongCA.serverVersion()
            XCTFail("a server certificate from another CA was accepted")
        } catch let error as TransportError {
            guard case .tlsVerificationFailed = error else { return XCTFail("expected a verification failure, got \(error)") }
        }

        let path = try scratch.writeKubeconfig("insecure", KubeconfigFixtures.single(user: ["token": "good-token"],
                                                                                      cluster: ["server": url, "insecure-skip-tls-verify": true]))
        let connection = try KubeconfigLoader(overrides: KubeconfigOverrides(kubeconfigPath: path, context: nil, namespace: nil),
                                              environment: ["HOME": scratch.url.path]).resolve(options: testCredentialOptions())
        XCTAssertTrue(connection.warnings.contains { $0.contains("insecure-skip-tls-verify") }, "\(connection.warnings)")
        let insecure = KubeClient(connection: connection, transport: try CurlTransport(options: connection.transport))
        let insecureVersion = try await insecure.serverVersion()
        XCTAssertEqual(insecureVersion.gitVersion, "v1.36.2")

        let badToken = try client(user: ["token": "not-the-token"], cluster: ["server": url, "certificate-authority-data": base64(pki.caPEM)])
        do {
            _ = try await badToken.serverVersion()
            XCTFail("a wrong token was accepted")
        } catch let error as KubeAPIError {
            XCTAssertTrue(error.isUnauthorized)
        }
    }

    /// An exec plugin whose first token the server refuses (as after a rotation) and whose tokens
    /// expire: the client re-runs it after the 401 and again once the token's time is up.
    func testExecPluginIsRerunAfterA401AndAfterExpiry() async throws {
        let s = try server(token: "token-2")
        let counter = scratch.path("runs")
        let plugin = try scratch.write("plugin.sh", """
        #!/bin/sh
        n=$(( $(cat "\(counter)" 2>/dev/null || echo 0) + 1 ))
        echo "$n" > "\(counter)"
        token="token-$n"
        [ "$n" -ge 2 ] && token="token-2"
        printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"2026-11-21T12:00:00Z"}}' "$token"
        """, executable: true)
        let clock = ManualClock(KubeTime.date(from: "2026-11-21T11:00:00Z")!)
        let kube = try client(user: ["exec": ["apiVersion": "client.authentication.k8s.io/v1", "command": .string(plugin),
                                              "interactiveMode": "Never"]],
                              cluster: ["server": .string("https://127.0.0.1:\(s.port)"), "certificate-authority-data": base64(pki.caPEM)],
                              options: testCredentialOptions(clock: clock))
        _ = try await kube.serverVersion()
        XCTAssertEqual(try scratch.read("runs").trimmingCharacters(in: .whitespacesAndNewlines), "2",
                       "token-1 was refused with 401, so the plugin ran again and token-2 was sent")
        _ = try await kube.serverVersion()
        XCTAssertEqual(try scratch.read("runs").trimmingCharacters(in: .whitespacesAndNewlines), "2", "cached until it expires")
        clock.advance(by: 3600)
        _ = try await kube.serverVersion()
        XCTAssertEqual(try scratch.read("runs").trimmingCharacters(in: .whitespacesAndNewlines), "3", "expired at 12:00: run again")
    }
}
