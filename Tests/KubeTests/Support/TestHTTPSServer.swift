import Foundation

/// Runs `curl_test_server.py` (next to this file) on an ephemeral 127.0.0.1 port, with its
/// CONNECT proxy on a second one.
/// `@unchecked Sendable`: tasks only call `url(_:)`, which reads the immutable port.
final class TestHTTPSServer: @unchecked Sendable {
    let port: Int
    let proxyPort: Int
    private let process: Process
    private let input: Pipe

    struct StartFailed: Error, CustomStringConvertible {
        var description: String
    }

    init(pki: TestPKI, requireClientCertificate: Bool = false) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("curl_test_server.py")
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var arguments = ["python3", script.path, "--cert", pki.serverCertPath, "--key", pki.serverKeyPath,
                         "--client-ca", pki.caPath]
        if requireClientCertificate { arguments.append("--require-client-cert") }
        process.arguments = arguments
        // The server exits when this pipe closes, so it cannot outlive a crashed test process.
        input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        // The first line is "PORT PROXY_PORT"; reading byte by byte leaves nothing buffered behind.
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        let ports = String(decoding: line, as: UTF8.self).split(separator: " ").compactMap { Int($0) }
        guard ports.count == 2 else {
            process.stop()
            throw StartFailed(description: "test server did not print its ports (got \"\(String(decoding: line, as: UTF8.self))\")")
        }
        port = ports[0]
        proxyPort = ports[1]
    }

    func url(_ path: String, host: String = "127.0.0.1") -> URL {
        URL(string: "https://\(host):\(port)\(path)")!
    }

    /// Stops the server and waits for it to exit. Safe to call twice.
    /// Closing stdin is what makes the server exit (SIGTERM can arrive blocked in processes that
    /// the test runner starts); `Process.stop` then waits for it, with SIGKILL as the fallback.
    func stop() {
        try? input.fileHandleForWriting.close()
        process.stop()
    }

    deinit {
        stop()
    }
}
