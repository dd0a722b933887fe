import KvdeckTestSupport
import Engine
import Foundation
import XCTest
@testable import EngineServer

/// The SSE bytes of a stream, from made-up engine events (reference §2.2): `data: <json>\n\n`
/// chunks, the role first for chat, the finish reason on the last content chunk, the usage chunk,
/// `data: [DONE]`.
final class StreamFramingTests: XCTestCase {
    private func frames(_ api: GenerationAPI, events: [GenerationEvent], error: Error? = nil,
                        configure: (inout GenerationPlan) -> Void = { _ in }) async throws -> [String] {
        let serving = try FakeServedModel.serving()
        var plan = GenerationPlan(api: api, model: "fake-smollm2", prompt: [1, 2, 3], promptText: "abc",
                                  sampling: SamplingParams(), stream: true, includeUsage: false, continuousUsage: false, echo: false)
        plan.sampling.maxTokens = 3
        configure(&plan)
        let run = GenerationRun(plan: plan, requestID: "chatcmpl-x", created: 7, tokenizer: serving.tokenizer, maxModelLen: 2048)
        let (stream, c) = AsyncThrowingStream.makeStream(of: GenerationEvent.self)
        for e in events { c.yield(e) }
        c.finish(throwing: error)
        var out = ""
        _ = try await run.stream(stream) { out += $0 }
        XCTAssertTrue(out.hasSuffix("\n\n"))
        return out.components(separatedBy: "\n\n").dropLast().map { frame in
            XCTAssertTrue(frame.hasPrefix("data: "), frame)
            XCTAssertFalse(frame.contains("\n"), "one line per event")
            return String(frame.dropFirst(6))
        }
    }

    private static let usage = Usage(promptTokens: 3, completionTokens: 3)

    func testChatStreamFraming() async throws {
        let f = try await frames(.chat, events: [
            .delta(.init(text: "Hel", tokenIDs: [10])),
            .delta(.init(text: "", tokenIDs: [11])),  // half a character: no chunk
            .delta(.init(text: "lo", tokenIDs: [12])),
            .finished(.init(reason: .length, usage: Self.usage)),
        ]) { $0.includeUsage = true }
        XCTAssertEqual(f, [
            #"{"id":"chatcmpl-x","object":"chat.completion.chunk","created":7,"model":"fake-smollm2","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}"#,
            #"{"id":"chatcmpl-x","object":"chat.completion.chunk","created":7,"model":"fake-smollm2","choices":[{"index":0,"delta":{"content":"Hel"},"logprobs":null,"finish_reason":null}]}"#,
            #"{"id":"chatcmpl-x","object":"chat.completion.chunk","created":7,"model":"fake-smollm2","choices":[{"index":0,"delta":{"content":"lo"},"logprobs":null,"finish_reason":"length","stop_reason":null}]}"#,
            #"{"id":"chatcmpl-x","object":"chat.completion.chunk","created":7,"model":"fake-smollm2","choices":[],"usage":{"prompt_tokens":3,"total_tokens":6,"completion_tokens":3,"prompt_tokens_details":null}}"#,
            "[DONE]",
        ])
    }

    func testEndOfSequenceTokenCarriesTheFinish() async throws {
        // id 2 is SmolLM2's <|im_end|>: the engine ends the request after it.
        let f = try await frames(.completion, events: [
            .delta(.init(text: "Hi", tokenIDs: [10])),
            .delta(.init(text: "", tokenIDs: [2])),
            .finished(.init(reason: .stop, stopReason: .token(2), usage: Usage(promptTokens: 3, completionTokens: 2))),
        ])
        XCTAssertEqual(f.count, 3)
        XCTAssertEqual(f[0], #"{"id":"chatcmpl-x","object":"text_completion","created":7,"model":"fake-smollm2","choices":[{"index":0,"text":"Hi","logprobs":null,"finish_reason":null,"stop_reason":null}]}"#)
        XCTAssertEqual(f[1], #"{"id":"chatcmpl-x","object":"text_completion","created":7,"model":"fake-smollm2","choices":[{"index":0,"text":"","logprobs":null,"finish_reason":"stop","stop_reason":null}]}"#)
        XCTAssertEqual(f[2], "[DONE]")
    }

    func testStopStringFinishAndLogprobs() async throws {
        let lp = TokenLogprobs(chosen: -0.25, rank: 1, top: [TokenLogprob(token: 10, logprob: -0.25)])
        let f = try await frames(.chat, events: [
            .delta(.init(text: "a", tokenIDs: [10], logprobs: [lp])),
            .finished(.init(reason: .stop, stopReason: .string("\n"), usage: Usage(promptTokens: 3, completionTokens: 1))),
        ]) { $0.sampling.logprobs = 1 }
        XCTAssertEqual(f.count, 4)
        let chunk = try jsonObject(f[1])
        let choice = (chunk["choices"] as? [[String: Any]])?.first
        let content = ((choice?["logprobs"] as? [String: Any])?["content"] as? [[String: Any]])?.first
        XCTAssertEqual(content?["logprob"] as? Double, -0.25)
        XCTAssertEqual((content?["top_logprobs"] as? [[String: Any]])?.count, 1)
        XCTAssertTrue(f[2].contains(#""finish_reason":"stop","stop_reason":"\n""#), f[2])
    }

    func testEngineFailureBecomesAnErrorChunkThenDone() async throws {
        let f = try await frames(.completion, events: [.delta(.init(text: "x", tokenIDs: [10]))],
                                 error: EngineError.forwardFailed("boom"))
        XCTAssertEqual(f.count, 3)
        XCTAssertTrue(f[1].hasPrefix(#"{"error":{"message":"the model backend failed during a forward step: boom","type":"InternalServerError""#), f[1])
        XCTAssertEqual(f[2], "[DONE]")
    }

    func testAFailingWriteEndsTheRun() async throws {
        let serving = try FakeServedModel.serving()
        let plan = GenerationPlan(api: .chat, model: "m", prompt: [1], promptText: "", sampling: SamplingParams(), stream: true,
                                  includeUsage: false, continuousUsage: false, echo: false)
        let run = GenerationRun(plan: plan, requestID: "r", created: 0, tokenizer: serving.tokenizer, maxModelLen: 100)
        let (stream, c) = AsyncThrowingStream.makeStream(of: GenerationEvent.self)
        c.yield(.delta(.init(text: "x", tokenIDs: [10])))
        struct Gone: Error {}
        do {
            _ = try await run.stream(stream) { _ in throw Gone() }
            XCTFail("the write error must end the run")
        } catch is Gone {}
    }
}
