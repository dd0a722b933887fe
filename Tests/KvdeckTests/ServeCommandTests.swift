import Foundation
import KvdeckTestSupport
import XCTest

/// `kvdeck serve` as a user (or a kubelet) runs it: the built binary, the real default model.
final class ServeCommandTests: XCTestCase {
    func testTheOfficialOpenAIClientAgainstTheDefaultModel() async throws {
        let served = try await ServedEngine.start(["serve", "default", "--port", "0", "--kv-cache-memory", "256MiB",
                                                   "--api-key", "sk-e2e", "--kv-cache-dtype", "float32"])
        defer { served.stop() }
        let run = try await OpenAIClientScript.run(baseURL: "http://127.0.0.1:\(served.port)/v1",
                                                   model: "SmolLM2-135M-Instruct", apiKey: "sk-e2e")
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        for check in ["models", "chat", "chat_stream", "completion", "completion_stream", "sampling_extras", "errors", "auth"] {
            XCTAssertTrue(run.stdout.contains("ok \(check)\n"), "\(check): \(run.stdout)")
        }
        // The real model answers the question it is asked.
        let reply = try await httpRequest(port: served.port, "POST", "/v1/chat/completions",
                                          json: #"{"messages":[{"role":"user","content":"What is the capital of France?"}],"max_tokens":20,"temperature":0}"#,
                                          headers: ["Authorization": "Bearer sk-e2e"])
        XCTAssertTrue(reply.body.contains("Paris"), reply.body)
        // The flag's value is what vLLM's cache_config_info labels.
        let metrics = try await httpRequest(port: served.port, "GET", "/metrics")
        XCTAssertTrue(metrics.body.contains(#"cache_dtype="float32""#), metrics.body)
        // One log line per request on stderr, without the prompt.
        let log = served.stderr
        XCTAssertTrue(log.contains("path=/v1/chat/completions"), log)
        XCTAssertFalse(log.contains("capital of France"), "prompts stay out of the log without --log-prompts")
    }

    func testSIGTERMLetsTheStreamFinishThenExitsZero() async throws {
        let served = try await ServedEngine.start(["serve", "--port", "0", "--kv-cache-memory", "256MiB", "--drain-timeout", "20"])
        defer { served.stop() }
        let c = try RawHTTPConnection(port: served.port)
        try c.send("POST", "/v1/completions",
                   json: #"{"prompt":"Once upon a time","max_tokens":40,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}}"#)
        _ = try await c.read(until: "\"text\"")
        let signalled = ContinuousClock.now
        kill(served.process.processIdentifier, SIGTERM)
        let stream = try await c.read(until: "data: [DONE]", timeout: 30)
        XCTAssertTrue(stream.contains(#""finish_reason":"length""#), "the stream ran to its end")
        // All 40 tokens were generated (counted by the usage chunk: a token that ends inside a
        // UTF-8 character goes out with the next, so text chunks can be fewer than tokens).
        XCTAssertTrue(stream.contains(#""completion_tokens":40"#), stream)
        let exited = await served.waitForExit(timeout: 25)
        XCTAssertTrue(exited, "exits within the drain timeout")
        XCTAssertEqual(served.process.terminationStatus, 0, served.stderr)
        XCTAssertLessThan(ContinuousClock.now - signalled, .seconds(25))
        XCTAssertThrowsError(try RawHTTPConnection(port: served.port), "no longer accepting")
        XCTAssertTrue(served.stderr.contains("SIGTERM: draining"), served.stderr)
    }

    func testMissingAndCorruptModelsFailWithAMessage() throws {
        let missing = try CommandRun.run(KvdeckBinary.path, ["serve", "/nonexistent/model.gguf", "--port", "0"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("no model at /nonexistent/model.gguf"), missing.stderr)

        let corrupt = FileManager.default.temporaryDirectory.appendingPathComponent("corrupt-\(UUID().uuidString).gguf")
        try Data("GGUF but not really".utf8).write(to: corrupt)
        defer { try? FileManager.default.removeItem(at: corrupt) }
        let bad = try CommandRun.run(KvdeckBinary.path, ["serve", corrupt.path, "--port", "0"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains(corrupt.path), bad.stderr)

        let badSize = try CommandRun.run(KvdeckBinary.path, ["serve", "--kv-cache-memory", "lots"])
        XCTAssertEqual(badSize.status, 1)
        XCTAssertTrue(badSize.stderr.contains("is not a size"), badSize.stderr)

        let fp8 = try CommandRun.run(KvdeckBinary.path, ["serve", "--kv-cache-dtype", "fp8"])
        XCTAssertEqual(fp8.status, 1)
        XCTAssertTrue(fp8.stderr.contains("fp8 KV caches are not implemented"), fp8.stderr)
    }
}

/// `kvdeck serve` running as a child process; its stderr is read all along (progress, then one
/// log line per request), so the pipe never fills.
final class ServedEngine: @unchecked Sendable {
    let process = Process()
    private(set) var port = 0
    private let lock = NSLock()
    private var errText = ""

    var stderr: String { lock.withLock { errText } }

    struct DidNotStart: Error, CustomStringConvertible { var description: String }

    static func start(_ arguments: [String], timeout: Double = 60) async throws -> ServedEngine {
        let s = ServedEngine()
        s.process.executableURL = URL(fileURLWithPath: KvdeckBinary.path)
        s.process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["KVDECK_LOG"] = nil
        s.process.environment = environment
        let err = Pipe()
        s.process.standardError = err
        s.process.standardOutput = FileHandle.nullDevice
        s.process.standardInput = FileHandle.nullDevice
        err.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil; return }
            s.lock.withLock { s.errText += String(decoding: data, as: UTF8.self) }
        }
        try s.process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while !s.stderr.contains("kvdeck serve: ready") {
            guard s.process.isRunning, Date() < deadline else {
                s.stop()
                throw DidNotStart(description: "kvdeck serve did not get ready: \(s.stderr)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard let line = s.stderr.split(separator: "\n").first(where: { $0.contains("listening on http://") }),
              let port = line.split(separator: ":").last.flatMap({ Int($0.prefix { $0.isNumber }) }) else {
            s.stop()
            throw DidNotStart(description: "no listening line in: \(s.stderr)")
        }
        s.port = port
        return s
    }

    func waitForExit(timeout: Double) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return true
    }

    func stop() { process.stop() }
}
