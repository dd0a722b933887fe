import KvdeckTestSupport
import Engine
import EngineTestSupport
import Foundation
import XCTest
@testable import EngineServer

/// The server's tests serve the default model's real tokenizer and chat format over
/// `PagedFakeRunner` (a real paged cache, no arithmetic): requests, streams, aborts and the
/// block pool are all real, only the logits are made up. scripts/test fetches the model first,
/// so a missing file is a failure with the command that fixes it.
enum FakeServedModel {
    struct Missing: Error, CustomStringConvertible { var description: String }

    private static let text: Result<(Tokenizer, ChatTemplate), Error> = Result {
        let path = DefaultModel.path(environment: ProcessInfo.processInfo.environment)
        guard FileManager.default.fileExists(atPath: path) else {
            throw Missing(description: "the default model is missing at \(path); run scripts/fetch-model")
        }
        let (tokenizer, templateText) = try ModelFiles.ggufText(GGUFFile(path: path))
        return (tokenizer, try ChatTemplate.recognise(template: templateText, tokenizer: tokenizer))
    }

    /// A model whose backend sleeps `stepDelay` seconds per forward step (to keep requests in flight).
    static func make(stepDelay: Double = 0, maxPositions: Int = 2048) throws -> LoadedModel {
        let (tokenizer, template) = try text.get()
        let probe = PagedFakeRunner(vocabSize: tokenizer.vocabularySize, blockCount: 1, maxPositions: maxPositions)
        return LoadedModel(path: "/models/fake-smollm2.gguf", config: probe.config, tokenizer: tokenizer,
                           chatTemplate: .success(template)) { request in
            let blocks = try request.blockCount(for: probe.config)
            return PagedFakeRunner(vocabSize: tokenizer.vocabularySize, blockSize: request.blockSize, blockCount: blocks,
                                   maxPositions: maxPositions, delay: stepDelay)
        }
    }

    /// Options for tests: an ephemeral port, a small cache (`blocks` of 16 tokens), the fake's name.
    static func options(blocks: Int = 512, configure: (inout ServerOptions) -> Void = { _ in }) -> ServerOptions {
        var o = ServerOptions()
        o.port = 0
        o.servedModelNames = ["fake-smollm2"]
        // The fake's KV: 2 × 1 layer × 1 head × 8 dims × 4 bytes = 64 bytes a token.
        o.kvCacheBytes = blocks * 16 * 64
        o.drainTimeout = .seconds(5)
        configure(&o)
        return o
    }

    /// A `ServingModel` for the decoding tests (no HTTP).
    static func serving(configure: (inout ServerOptions) -> Void = { _ in }) throws -> ServingModel {
        try ServingModel(model: make(), options: options(configure: configure))
    }
}

/// A started in-process server, stopped by `stop()`.
struct RunningServer {
    let server: EngineHTTPServer
    let port: Int

    static func start(stepDelay: Double = 0, blocks: Int = 512, maxPositions: Int = 2048,
                      configure: (inout ServerOptions) -> Void = { _ in }) async throws -> RunningServer {
        let server = EngineHTTPServer(model: try FakeServedModel.make(stepDelay: stepDelay, maxPositions: maxPositions),
                                      options: FakeServedModel.options(blocks: blocks, configure: configure))
        let port = try await server.start()
        try await server.waitUntilReady()
        return RunningServer(server: server, port: port)
    }

    func stop() async { await server.stop(timeout: .seconds(2)) }

    /// Runs `body` against a fresh server and stops it after, whatever happens.
    static func with<T>(stepDelay: Double = 0, blocks: Int = 512, maxPositions: Int = 2048,
                        configure: (inout ServerOptions) -> Void = { _ in },
                        _ body: (RunningServer) async throws -> T) async throws -> T {
        let s = try await start(stepDelay: stepDelay, blocks: blocks, maxPositions: maxPositions, configure: configure)
        do {
            let result = try await body(s)
            await s.stop()
            return result
        } catch {
            await s.stop()
            throw error
        }
    }

    func get(_ path: String, headers: [String: String] = [:]) async throws -> RawHTTPConnection.Reply {
        try await httpRequest(port: port, "GET", path, headers: headers)
    }

    func post(_ path: String, _ json: String, headers: [String: String] = [:]) async throws -> RawHTTPConnection.Reply {
        try await httpRequest(port: port, "POST", path, json: json, headers: headers)
    }

    /// A metric's value from `/metrics` (the first sample of that name).
    func metric(_ name: String) async throws -> Double? {
        let body = try await get("/metrics").body
        for line in body.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
        return nil
    }
}

/// The JSON object of a reply body.
func jsonObject(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
    guard let o = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
        XCTFail("not a JSON object: \(text)", file: file, line: line)
        return [:]
    }
    return o
}
