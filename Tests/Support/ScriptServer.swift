import Foundation

/// A test server written in Python (stdlib only) run as a child process on an ephemeral
/// 127.0.0.1 port: it prints the port on its first line and exits when its stdin closes, so it
/// cannot outlive the test process.
public final class ScriptServer: @unchecked Sendable {
    public let port: Int
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
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            process.waitUntilExit()
            throw StartFailed(description: "\(script) did not print a port (got \"\(String(decoding: line, as: UTF8.self))\")")
        }
        self.port = port
    }

    public static let supportDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()


    public func stop() {
        if process.isRunning { process.terminate() }
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    deinit { stop() }
}
