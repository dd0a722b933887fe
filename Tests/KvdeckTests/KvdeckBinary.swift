import Foundation
import KvdeckTestSupport
import XCTest

/// The `kvdeck` binary built beside this test bundle.
enum KvdeckBinary {
    static var path: String {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [here, here.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("kvdeck").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return here.appendingPathComponent("kvdeck").path
    }
}

/// `kvdeck demo --serve-only` running as a child process, as a user starts it beside kubectl.
enum ServedDemo {
    struct DidNotStart: Error, CustomStringConvertible {
        var description: String
    }

    /// Starts the demo with `HOME` at `home` and waits until it prints its kubeconfig line.
    static func start(home: URL, seed: Bool) throws -> (process: Process, kubeconfig: String) {
        let demo = Process()
        demo.executableURL = URL(fileURLWithPath: KvdeckBinary.path)
        demo.arguments = ["demo", "--serve-only"] + (seed ? [] : ["--no-seed"])
        demo.environment = ["HOME": home.path, "PATH": "/usr/bin:/bin"]
        let output = Pipe()
        demo.standardOutput = output
        demo.standardError = FileHandle.nullDevice
        demo.standardInput = FileHandle.nullDevice
        try demo.run()
        // The kubeconfig line comes once the cluster is seeded and serving.
        var text = ""
        while !text.contains("Press Ctrl-C") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let kubeconfig = text.split(separator: "\n").first(where: { $0.contains("KUBECONFIG=") })?
            .components(separatedBy: "KUBECONFIG=").last else {
            demo.stop()
            throw DidNotStart(description: "no kubeconfig line in: \(text)")
        }
        return (demo, kubeconfig)
    }
}
