import KvdeckTestSupport
import Engine
import Foundation
import XCTest
import YAML
@testable import EngineServer

/// Request bodies to plans, and every refusal as the 4xx a client gets (reference §2.3, §2.4).
final class RequestDecodingTests: XCTestCase {
    private func chat(_ json: String, configure: (inout ServerOptions) -> Void = { _ in }) throws -> GenerationPlan {
        let serving = try FakeServedModel.serving(configure: configure)
        let body = try JSONValue.parse(Data(json.utf8))
        return try ChatCompletionRequest.plan(body, serving: serving)
    }

    private func completion(_ json: String) throws -> GenerationPlan {
        let serving = try FakeServedModel.serving()
        return try CompletionRequest.plan(try JSONValue.parse(Data(json.utf8)), serving: serving)
    }

    private func assertRefused(_ status: Int, param: String? = nil, containing text: String,
                               file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Any) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let e = error as? APIError else { return XCTFail("not an APIError: \(error)", file: file, line: line) }
            XCTAssertEqual(e.status, status, e.message, file: file, line: line)
            if let param { XCTAssertEqual(e.param, param, file: file, line: line) }
            XCTAssertTrue(e.message.contains(text), "\(e.message) lacks \(text)", file: file, line: line)
        }
    }

    func testChatFieldsBecomeSamplingParams() throws {
        let p = try chat("""
        {"model":"fake-smollm2","messages":[{"role":"system","content":"Be brief."},
         {"role":"user","content":[{"type":"text","text":"Hi"},{"type":"text","text":"there"}]}],
         "max_completion_tokens":7,"max_tokens":99,"temperature":0.5,"top_p":0.9,"top_k":40,"min_p":0.05,
         "presence_penalty":0.1,"frequency_penalty":-0.2,"repetition_penalty":1.1,"seed":-1,"stop":"\\n\\n",
         "stop_token_ids":[5],"ignore_eos":true,"logprobs":true,"top_logprobs":3,
         "stream":true,"stream_options":{"include_usage":true}}
        """)
        XCTAssertEqual(p.api, .chat)
        XCTAssertEqual(p.sampling.maxTokens, 7, "max_completion_tokens wins over max_tokens")
        XCTAssertEqual(p.sampling.temperature, 0.5)
        XCTAssertEqual(p.sampling.topP, 0.9)
        XCTAssertEqual(p.sampling.topK, 40)
        XCTAssertEqual(p.sampling.minP, 0.05)
        XCTAssertEqual(p.sampling.presencePenalty, 0.1)
        XCTAssertEqual(p.sampling.frequencyPenalty, -0.2)
        XCTAssertEqual(p.sampling.repetitionPenalty, 1.1)
        XCTAssertEqual(p.sampling.seed, UInt64.max)
        XCTAssertEqual(p.sampling.stop, ["\n\n"])
        XCTAssertEqual(p.sampling.stopTokenIDs, [5])
        XCTAssertTrue(p.sampling.ignoreEOS)
        XCTAssertEqual(p.sampling.logprobs, 3)
        XCTAssertTrue(p.stream)
        XCTAssertTrue(p.includeUsage)
        // SmolLM2's ChatML, text parts joined by a newline, the assistant turn opened.
        XCTAssertEqual(p.promptText, "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi\nthere<|im_end|>\n<|im_start|>assistant\n")
        XCTAssertEqual(p.prompt.first, 1, "<|im_start|> is one special token")
    }

    func testCompletionPromptsAsTextAndTokens() throws {
        let text = try completion(#"{"prompt":"Hello world","stop":["a","b"],"logprobs":2}"#)
        XCTAssertEqual(text.sampling.maxTokens, 16, "OpenAI's legacy default")
        XCTAssertEqual(text.sampling.stop, ["a", "b"])
        XCTAssertEqual(text.sampling.logprobs, 2)
        XCTAssertEqual(text.promptText, "Hello world")
        let ids = try completion(#"{"prompt":[[19556, 905]],"max_tokens":3}"#)
        XCTAssertEqual(ids.prompt, [19556, 905])
        XCTAssertEqual(try completion(#"{"prompt":["Hello world"]}"#).prompt, text.prompt)
    }

    func testMalformedBodiesAndWrongTypes() throws {
        assertRefused(400, containing: "not valid JSON") { try JSONValue.parse(Data("{\"messages\":".utf8)) }
        assertRefused(400, containing: "must be a JSON object") { try self.chat("[1,2]") }
        assertRefused(400, param: "messages", containing: "'messages' is required") { try self.chat("{}") }
        assertRefused(400, param: "max_tokens", containing: "'max_tokens' must be an integer, got a string") {
            try self.chat(#"{"messages":[{"role":"user","content":"x"}],"max_tokens":"ten"}"#)
        }
        assertRefused(400, param: "temperature", containing: "must be a number") {
            try self.chat(#"{"messages":[{"role":"user","content":"x"}],"temperature":true}"#)
        }
        assertRefused(400, param: "stop", containing: "a string or a list of strings") {
            try self.completion(#"{"prompt":"x","stop":[1]}"#)
        }
        assertRefused(400, param: "messages", containing: "only text parts") {
            try self.chat(#"{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}"#)
        }
    }

    func testRefusalsNameTheProblem() throws {
        assertRefused(404, param: "model", containing: "The model `gpt-4` does not exist.") {
            try self.chat(#"{"model":"gpt-4","messages":[{"role":"user","content":"x"}]}"#)
        }
        assertRefused(400, param: "n", containing: "n must be 1") {
            try self.chat(#"{"messages":[{"role":"user","content":"x"}],"n":2}"#)
        }
        assertRefused(400, param: "max_tokens", containing: "at least 1, got 0") { try self.completion(#"{"prompt":"x","max_tokens":0}"#) }
        assertRefused(400, param: "max_tokens", containing: "at least 1, got -5") {
            try self.chat(#"{"messages":[{"role":"user","content":"x"}],"max_completion_tokens":-5}"#)
        }
        assertRefused(400, param: "stream_options", containing: "stream=True") {
            try self.completion(#"{"prompt":"x","stream_options":{"include_usage":true}}"#)
        }
        assertRefused(400, param: "top_logprobs", containing: "logprobs` must be set") {
            try self.chat(#"{"messages":[{"role":"user","content":"x"}],"top_logprobs":2}"#)
        }
        assertRefused(400, param: "suffix", containing: "not currently supported") { try self.completion(#"{"prompt":"x","suffix":"y"}"#) }
        assertRefused(400, param: "prompt", containing: "one prompt per request") { try self.completion(#"{"prompt":["a","b"]}"#) }
        assertRefused(400, param: "prompt", containing: "outside this model's vocabulary") { try self.completion(#"{"prompt":[1, 999999]}"#) }
        assertRefused(400, param: "tools", containing: "not supported") {
            try self.chat(#"{"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}]}"#)
        }
    }

    func testPromptsOverTheContextAreRefused() throws {
        let long = String(repeating: "hello ", count: 300)
        assertRefused(400, containing: "maximum context length is 256 tokens. However, your request has") {
            try self.chat(#"{"messages":[{"role":"user","content":"\#(long)"}]}"#) { $0.engine.maxModelLen = 256 }
        }
        assertRefused(400, param: "max_tokens", containing: "in the completion") {
            try self.chat(#"{"messages":[{"role":"user","content":"hi"}],"max_tokens":250}"#) { $0.engine.maxModelLen = 256 }
        }
    }

    func testErrorBodyIsOpenAIsNestedShape() throws {
        let e = APIError.badRequest("bad thing", param: "max_tokens")
        XCTAssertEqual(e.json.jsonString(), #"{"error":{"message":"bad thing","type":"BadRequestError","param":"max_tokens","code":400}}"#)
    }
}
