import Console
import Foundation
import Terminal
import XCTest

/// The chat pane headless, over a backend the test drives: streamed text wraps, the header's
/// TTFT and tokens/s follow the clock, ctrl-c cancels without quitting, transcripts save.
final class ChatPaneTests: XCTestCase {
    private let width = 90, height = 24

    @MainActor private func open(_ backend: FakeChatBackend, clock: StepClock, directory: URL) -> ConsoleSession {
        let session = ConsoleSession(connection: nil, version: "test", now: { clock.now })
        session.chats = ChatConversations(saveDirectory: directory, now: { clock.now }, local: { backend },
                                          cluster: { _, _ in backend })
        type(":chat", into: session)
        session.handle(.enter, state: ClusterState(), height: height)
        return session
    }

    @MainActor private func type(_ text: String, into session: ConsoleSession) {
        for c in text { session.handle(.character(c), state: ClusterState(), height: height) }
    }

    @MainActor private func frame(_ session: ConsoleSession) -> CellBuffer {
        session.render(ClusterState(), width: width, height: height, theme: .standard, glyphs: .unicode)
    }

    /// Lets the exchange's task take the events emitted so far.
    @MainActor private func settle(_ condition: @MainActor () -> Bool) async {
        for _ in 0..<500 where !condition() { try? await Task.sleep(for: .milliseconds(2)) }
    }

    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kvdeck-chat-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @MainActor func testStreamedReplyWrapsAndTheHeaderShowsTTFTAndTokensPerSecond() async throws {
        let backend = FakeChatBackend(), clock = StepClock()
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let s = open(backend, clock: clock, directory: directory)
        let chat = try XCTUnwrap(s.top as? ChatScreen)
        var f = frame(s)
        XCTAssertTrue(f.text.contains("chat(local)"), f.text)
        XCTAssertTrue(f.line(3).contains("fake-model  temp 0.70  max 256  system: You are a helpful"), f.line(3))

        // q and : are text here, not the console's keys.
        type("quick: what is a KV cache?", into: s)
        XCTAssertFalse(s.wantsQuit)
        s.handle(.enter, state: ClusterState(), height: height)
        XCTAssertEqual(backend.sent.first?.map(\.role), ["system", "user"])
        XCTAssertEqual(backend.sent.first?.last?.content, "quick: what is a KV cache?")

        backend.emit(.status("loading model fake…"))
        await settle { chat.exchange?.route != nil }
        XCTAssertTrue(frame(s).text.contains("loading model fake…"))

        clock.advance(0.25)
        backend.emit(.text("A KV cache keeps the keys and values ", tokens: 8))
        backend.emit(.kvBlocks(used: 3, total: 1024))
        await settle { chat.exchange?.kvBlocks?.used == 3 }
        clock.advance(0.5)
        backend.emit(.text("of earlier tokens so attention need not recompute them.", tokens: 11))
        await settle { chat.exchange?.stats.completionTokens == 19 }
        f = frame(s)
        let stats = f.line(4)
        XCTAssertTrue(stats.contains("TTFT 0.25 s"), stats)
        XCTAssertTrue(stats.contains("36.0 tok/s"), "18 tokens after the first in 0.5 s: \(stats)")
        XCTAssertTrue(stats.contains("KV 3/1024 blocks"), stats)
        XCTAssertTrue(stats.contains("generating"), stats)
        // The reply wraps at the pane's width, words whole.
        let body = (6..<20).map { f.line($0).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
        XCTAssertTrue(body.contains { $0.hasSuffix("  A KV cache keeps the keys and values of earlier tokens so attention need not recompute") }, body.joined(separator: "\n"))
        XCTAssertTrue(body.contains { $0.hasSuffix("  them.▌") }, body.joined(separator: "\n"))
        XCTAssertTrue(body.allSatisfy { DisplayWidth.of($0) <= width })

        backend.emit(.finished(ChatFinish(reason: "stop", promptTokens: 30, completionTokens: 19)))
        backend.end()
        await settle { chat.exchange?.isGenerating == false }
        f = frame(s)
        XCTAssertTrue(f.line(4).contains("done (stop)"), f.line(4))
        XCTAssertTrue(f.text.contains("TTFT 0.25 s · 36.0 tok/s · 19 tokens · stop"), f.text)

        // The second turn carries the first.
        type("and?", into: s)
        s.handle(.enter, state: ClusterState(), height: height)
        XCTAssertEqual(backend.sent.last?.map(\.role), ["system", "user", "assistant", "user"])
    }

    @MainActor func testCtrlCCancelsTheReplyAndDoesNotQuit() async throws {
        let backend = FakeChatBackend(), clock = StepClock()
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let s = open(backend, clock: clock, directory: directory)
        let chat = try XCTUnwrap(s.top as? ChatScreen)
        type("Count to a thousand", into: s)
        s.handle(.enter, state: ClusterState(), height: height)
        backend.emit(.text("1, 2, 3,", tokens: 6))
        await settle { chat.exchange?.pending?.content == "1, 2, 3," }

        s.handle(.ctrl("c"), state: ClusterState(), height: height)
        XCTAssertFalse(s.wantsQuit, "ctrl-c during a reply cancels it only")
        XCTAssertEqual(chat.exchange?.isGenerating, false)
        await settle { backend.terminations == 1 }
        XCTAssertEqual(backend.terminations, 1, "the backend's stream is dropped, so the engine aborts")
        // Late events of the cancelled reply change nothing.
        backend.emit(.text(" 4,", tokens: 1))
        try await Task.sleep(for: .milliseconds(20))
        XCTAssertEqual(chat.exchange?.turns.last?.content, "1, 2, 3,")
        XCTAssertEqual(chat.exchange?.turns.last?.stats?.finishReason, "abort")
        let f = frame(s)
        XCTAssertTrue(f.line(4).contains("cancelled"), f.line(4))
        XCTAssertTrue(f.text.contains("6 tokens · cancelled"), f.text)

        // Esc leaves the pane; :chat comes back to the same conversation.
        s.handle(.escape, state: ClusterState(), height: height)
        XCTAssertFalse(s.top is ChatScreen)
        type(":chat", into: s)
        s.handle(.enter, state: ClusterState(), height: height)
        XCTAssertTrue(frame(s).text.contains("1, 2, 3,"))
        // Idle and with an empty input, ctrl-c is the console's again.
        s.handle(.ctrl("c"), state: ClusterState(), height: height)
        XCTAssertTrue(s.wantsQuit)
    }

    @MainActor func testErrorsShowInThePane() async throws {
        let backend = FakeChatBackend(), clock = StepClock()
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let s = open(backend, clock: clock, directory: directory)
        let chat = try XCTUnwrap(s.top as? ChatScreen)
        type("hello", into: s)
        s.handle(.enter, state: ClusterState(), height: height)
        backend.fail(ChatBackendError("HTTP 503 from llm-prod/smollm2: no endpoints available"))
        await settle { chat.exchange?.isGenerating == false }
        let f = frame(s)
        XCTAssertTrue(f.text.contains("error: HTTP 503 from llm-prod/smollm2: no"), f.text)
        XCTAssertTrue(f.line(4).contains("error"), f.line(4))
    }

    @MainActor func testSettingsKeysAndSystemPrompt() async throws {
        let backend = FakeChatBackend(), clock = StepClock()
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let s = open(backend, clock: clock, directory: directory)
        s.handle(.ctrl("t"), state: ClusterState(), height: height)
        s.handle(.ctrl("n"), state: ClusterState(), height: height)
        s.handle(.ctrl("p"), state: ClusterState(), height: height)
        s.handle(.ctrl("u"), state: ClusterState(), height: height)
        type("Answer in French.", into: s)
        XCTAssertTrue(frame(s).line(height - 2).contains("system> Answer in French."), frame(s).text)
        s.handle(.enter, state: ClusterState(), height: height)
        type(":temp 0", into: s)
        s.handle(.enter, state: ClusterState(), height: height)
        XCTAssertTrue(frame(s).line(3).contains("temp 0.00  max 512  system: Answer in French."), frame(s).line(3))
        // Basic editing: left, home, backspace, end.
        type("helo", into: s)
        for key: Key in [.left, .character("l"), .home, .character(">"), .backspace, .end, .character("!")] {
            s.handle(key, state: ClusterState(), height: height)
        }
        XCTAssertEqual((s.top as? ChatScreen)?.input.text, "hello!")
        s.handle(.enter, state: ClusterState(), height: height)
        XCTAssertEqual(backend.settings.last, ChatSettings(systemPrompt: "Answer in French.", temperature: 0, maxTokens: 512))
        XCTAssertEqual(backend.sent.last?.first, ChatTurn(role: "system", content: "Answer in French."))
    }

    @MainActor func testTranscriptSavesAsJSONAndMarkdown() async throws {
        let backend = FakeChatBackend(), clock = StepClock()
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let s = open(backend, clock: clock, directory: directory)
        let chat = try XCTUnwrap(s.top as? ChatScreen)
        type("What is the capital of France?", into: s)
        s.handle(.enter, state: ClusterState(), height: height)
        clock.advance(0.5)
        backend.emit(.text("The capital of France is Paris.", tokens: 8))
        backend.emit(.finished(ChatFinish(reason: "stop", promptTokens: 20, completionTokens: 8)))
        backend.end()
        await settle { chat.exchange?.isGenerating == false }

        let json = directory.appendingPathComponent("out/chat.json"), md = directory.appendingPathComponent("chat.md")
        for path in [json.path, md.path] {
            type(":w \(path)", into: s)
            s.handle(.enter, state: ClusterState(), height: height)
            XCTAssertTrue(frame(s).text.contains("saved \(path)"), frame(s).text)
        }
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        XCTAssertEqual(object["target"] as? String, "fake-model")
        let messages = try XCTUnwrap(object["messages"] as? [[String: Any]])
        XCTAssertEqual(messages.map { $0["role"] as? String }, ["system", "user", "assistant"])
        XCTAssertEqual(messages[2]["content"] as? String, "The capital of France is Paris.")
        let stats = try XCTUnwrap(messages[2]["stats"] as? [String: Any])
        XCTAssertEqual(stats["ttft_s"] as? Double, 0.5)
        XCTAssertEqual(stats["completion_tokens"] as? Int, 8)
        XCTAssertEqual(stats["finish_reason"] as? String, "stop")
        XCTAssertEqual((object["settings"] as? [String: Any])?["max_tokens"] as? Int, 256)

        let markdown = try String(contentsOf: md, encoding: .utf8)
        XCTAssertTrue(markdown.hasPrefix("# Chat with fake-model\n"), markdown)
        XCTAssertTrue(markdown.contains("## user\n\nWhat is the capital of France?\n"), markdown)
        XCTAssertTrue(markdown.contains("## assistant\n\nThe capital of France is Paris.\n\n_TTFT 0.50 s · 8 tokens · stop_"), markdown)

        // ctrl-o: both, in the state directory, and the pane says where.
        s.handle(.ctrl("o"), state: ClusterState(), height: height)
        let saved = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("chat-") }.sorted()
        XCTAssertEqual(saved.count, 2, "\(saved)")
        XCTAssertTrue(saved[0].hasSuffix(".json") && saved[1].hasSuffix(".md"), "\(saved)")
        XCTAssertTrue(frame(s).text.contains("saved \(directory.path)"), frame(s).text)
    }
}
