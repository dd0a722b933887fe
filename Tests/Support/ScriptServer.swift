import Foundation

/// A test server written in Python (stdlib only) run as a child process on ephemeral 127.0.0.1
/// ports: it prints its port (or several, space-separated) on its first line and exits when its
/// stdin closes, so it cannot outlive the test process.
public final class ScriptServer: @unchecked Sendable {
    /// The ports from the first line, in order; `port` is the first.
    public let ports: [Int]
    public var port: Int { ports[0] }
    private let process: Process
    private let input: Pipe

    public struct StartFailed: Error, CustomStringConvertible {
        public var description: String
    }

    /// `script` is a file name in Tests/Support.
    public init(script: String, arguments: [String]) throws {
        let path = ScriptServer.supportDirectory.appendingPathComponent(script).path
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", path] + arguments
        input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        let ports = String(decoding: line, as: UTF8.self).split(separator: " ").compactMap { Int($0) }
        guard !ports.isEmpty else {
            try? input.fileHandleForWriting.close()
            process.stop()
            throw StartFailed(description: "\(script) did not print a port (got \"\(String(decoding: line, as: UTF8.self))\")")
        }
        self.ports = ports
    }

    public static let supportDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()


    /// Stops the server: closing stdin makes it exit (SIGTERM was seen to arrive blocked in
    /// processes the test runner starts), and `Process.stop` waits a bounded time, then SIGKILLs.
    public func stop() {
        try? input.fileHandleForWriting.close()
        process.stop()
    }

    deinit { stop() }
}
