import Console
import Engine
import Foundation
import XCTest

/// The chat pane's local backend on the real default model (scripts/test fetches it first, so a
/// missing file is a failure, as in the engine's tests).
final class ChatLocalBackendTests: XCTestCase {
    private var modelPath: String { DefaultModel.path(environment: ProcessInfo.processInfo.environment) }

    private func requireModel() throws {
        guard FileManager.default.fileExists(atPath: modelPath) else {
            XCTFail("the default model is missing at \(modelPath); run scripts/fetch-model")
            throw CocoaError(.fileNoSuchFile)
        }
    }

    func testGreedyAnswerStreamsWithLoadingStatusAndKVBlocks() async throws {
        try requireModel()
        let backend = LocalChatBackend(modelPath: modelPath, threads: 2)
        XCTAssertEqual(backend.label, "local SmolLM2-135M-Instruct")
        let question = [ChatTurn(role: "user", content: "What is the capital of France?")]
        let settings = ChatSettings(systemPrompt: "", temperature: 0, maxTokens: 12)
        var events: [ChatEvent] = []
        for try await event in backend.send(question, settings: settings) { events.append(event) }
        XCTAssertEqual(events.first, .status("loading model SmolLM2-135M-Instruct.Q4_1.gguf…"))
        // The pane says which kernels answer and why (Engine.EngineBackend's words).
        let loaded = events.compactMap { if case let .status(s) = $0, s.hasPrefix("model loaded; backend: ") { s } else { nil } }
        XCTAssertEqual(loaded.count, 1, "\(events.prefix(3))")
        XCTAssertTrue(loaded.first?.contains("CPU (") == true || loaded.first?.contains("CUDA on ") == true, "\(loaded)")
        let text = events.compactMap { if case let .text(t, _) = $0 { t } else { nil } }
        XCTAssertEqual(text.joined(), "The capital of France is Paris.")
        let finish = events.compactMap { if case let .finished(f) = $0 { f } else { nil } }
        XCTAssertEqual(finish, [ChatFinish(reason: "stop", promptTokens: finish.first?.promptTokens, completionTokens: 8)])
        let blocks = events.compactMap { if case let .kvBlocks(used, total) = $0 { (used, total) } else { nil } }
        XCTAssertTrue(blocks.contains { $0.0 > 0 && $0.1 > 100 }, "blocks in use while generating: \(blocks)")
        XCTAssertEqual(blocks.last?.0, 0, "the finished request's blocks are free again (prefix cache aside)")

        // The engine stays loaded: the second message does not load again, and a reply stopped
        // early (ctrl-c drops the stream) frees its blocks.
        var second: [ChatEvent] = []
        for try await event in backend.send([ChatTurn(role: "user", content: "Tell me a long story.")],
                                            settings: ChatSettings(systemPrompt: "", temperature: 0, maxTokens: 500)) {
            second.append(event)
            if second.filter({ if case .text = $0 { true } else { false } }).count == 5 { break }
        }
        XCTAssertFalse(second.contains { if case .status = $0 { true } else { false } }, "\(second)")
        var third: [ChatEvent] = []
        for try await event in backend.send(question, settings: settings) { third.append(event) }
        XCTAssertEqual(third.compactMap { if case let .text(t, _) = $0 { t } else { nil } }.joined(), "The capital of France is Paris.")
    }

    func testMissingModelSaysWhatToDo() async throws {
        let backend = LocalChatBackend(modelPath: "/nonexistent/kvdeck/model.gguf")
        do {
            for try await _ in backend.send([ChatTurn(role: "user", content: "hi")], settings: ChatSettings()) {}
            XCTFail("expected an error")
        } catch {
            XCTAssertEqual("\(error)", "no model at /nonexistent/kvdeck/model.gguf: run scripts/fetch-model (or set KVDECK_MODEL_CACHE)")
        }
    }
}
