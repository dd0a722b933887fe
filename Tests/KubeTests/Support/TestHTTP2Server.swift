import Foundation
import KvdeckTestSupport

/// nghttpd (Debian package nghttp2-server) serving a directory over TLS with HTTP/2 on an
/// ephemeral 127.0.0.1 port. nghttpd does not print the port it got, so it is read from the
/// kernel: the listening socket among the process's file descriptors, looked up in /proc/net/tcp.
final class TestHTTP2Server: @unchecked Sendable {
    let port: Int
    let documentRoot: URL
    private let process: Process

    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    static var executable: String? {
        ["/usr/sbin/nghttpd", "/usr/bin/nghttpd", "/usr/local/bin/nghttpd"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    init(pki: TestPKI, files: [String: Data]) throws {
        guard let executable = Self.executable else { throw Unavailable(description: "nghttpd is not installed") }
        documentRoot = pki.directory.appendingPathComponent("h2-docs", isDirectory: true)
        try FileManager.default.createDirectory(at: documentRoot, withIntermediateDirectories: true)
        for (name, data) in files { try data.write(to: documentRoot.appendingPathComponent(name)) }
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-a", "127.0.0.1", "-d", documentRoot.path, "0", pki.serverKeyPath, pki.serverCertPath]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var found: Int?
        for _ in 0..<200 where found == nil {
            found = Self.listeningPort(of: process.processIdentifier)
            if found == nil { usleep(20_000) }
        }
        guard let found else {
            process.stop(grace: .milliseconds(200))
            throw Unavailable(description: "nghttpd did not start listening")
        }
        port = found
    }

    func url(_ path: String) -> URL {
        URL(string: "https://127.0.0.1:\(port)\(path)")!
    }

    /// nghttpd ignores SIGTERM when started this way, so it gets a short grace and then SIGKILL.
    func stop() {
        process.stop(grace: .milliseconds(200))
    }

    deinit {
        stop()
    }

    private static func listeningPort(of pid: Int32) -> Int? {
        let fdDirectory = "/proc/\(pid)/fd"
        guard let fds = try? FileManager.default.contentsOfDirectory(atPath: fdDirectory) else { return nil }
        let inodes = Set(fds.compactMap { fd -> String? in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fdDirectory)/\(fd)"),
                  target.hasPrefix("socket:[") else { return nil }
            return String(target.dropFirst("socket:[".count).dropLast())
        })
        guard let table = try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8) else { return nil }
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
            guard fields.count > 9, fields[3] == "0A", inodes.contains(String(fields[9])),
                  let portHex = fields[1].split(separator: ":").last, let port = Int(portHex, radix: 16) else { continue }
            return port
        }
        return nil
    }
}
