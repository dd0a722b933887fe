import Engine
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
    /// - Parameters:
    ///   - engine: pods of the default model run the engine (from the test machine's model cache);
    ///     otherwise every pod is a stand-in and the tests' numbers stay fixed.
    ///   - load: the demo's load generator runs (never by default: tests send their own requests).
    ///   - modelCache: where the engine looks for the default model, instead of the test machine's cache.
    ///   - errors: a file that receives the demo's standard error (its progress lines), else none does.
    static func start(home: URL, seed: Bool, engine: Bool = false, load: Bool = false, modelCache: String? = nil,
                      errors: URL? = nil) throws -> (process: Process, kubeconfig: String) {
        let demo = Process()
        demo.executableURL = URL(fileURLWithPath: KvdeckBinary.path)
        demo.arguments = ["demo", "--serve-only"] + (seed ? [] : ["--no-seed"]) + (load ? [] : ["--no-load"])
            + (engine ? [] : ["--stand-in-pods"])
        var environment = ["HOME": home.path, "PATH": "/usr/bin:/bin"]
        if engine { environment["KVDECK_MODEL_CACHE"] = modelCache ?? Self.modelCache }
        demo.environment = environment
        let output = Pipe()
        demo.standardOutput = output
        if let errors {
            guard FileManager.default.createFile(atPath: errors.path, contents: nil) else {
                throw DidNotStart(description: "cannot create \(errors.path) for the demo's standard error")
            }
            demo.standardError = try FileHandle(forWritingTo: errors)
        } else {
            demo.standardError = FileHandle.nullDevice
        }
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

    /// The test machine's model cache, by the engine's own rule (scripts/fetch-model fetches into it).
    static var modelCache: String {
        DefaultModel.cacheDirectory(environment: ProcessInfo.processInfo.environment)
    }
}
