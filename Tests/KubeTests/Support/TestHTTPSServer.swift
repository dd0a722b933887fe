import Foundation
import KvdeckTestSupport

/// Runs `curl_test_server.py` (Tests/Support) on an ephemeral 127.0.0.1 port, with its CONNECT
/// proxy on a second one.
/// `@unchecked Sendable`: tasks only call `url(_:)`, which reads the immutable ports.
final class TestHTTPSServer: @unchecked Sendable {
    private let server: ScriptServer
    var port: Int { server.ports[0] }
    let proxyPort: Int

    struct StartFailed: Error, CustomStringConvertible {
        var description: String
    }

    init(pki: TestPKI, requireClientCertificate: Bool = false) throws {
        var arguments = ["--cert", pki.serverCertPath, "--key", pki.serverKeyPath, "--client-ca", pki.caPath]
        if requireClientCertificate { arguments.append("--require-client-cert") }
        server = try ScriptServer(script: "curl_test_server.py", arguments: arguments)
        guard server.ports.count == 2 else {
            server.stop()
            throw StartFailed(description: "test server printed \(server.ports.count) ports, expected 2 (server and proxy)")
        }
        proxyPort = server.ports[1]
    }

    func url(_ path: String, host: String = "127.0.0.1") -> URL {
        URL(string: "https://\(host):\(port)\(path)")!
    }

    /// Stops the server and waits for it to exit. Safe to call twice.
    func stop() {
        server.stop()
    }
}
