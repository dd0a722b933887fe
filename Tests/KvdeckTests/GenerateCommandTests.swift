import Foundation
import KvdeckTestSupport
import XCTest

/// `kvdeck generate` on the default model through the real engine, against the token ids
/// Hugging Face transformers produced (../shared/fixtures/engine).
final class GenerateCommandTests: XCTestCase {
    func testGreedyChatGivesTheReferenceTokens() throws {
        let fixture = try EngineFixture.named("chat_capital")
        let out = try EngineCommand.json(["generate", "default", "--messages", EngineCommand.capitalQuestion,
                                          "--temperature", "0", "--max-tokens", "12", "-o", "json"])
        // The chat format adds SmolLM2's default system prompt, as the fixture's prompt has it.
        XCTAssertEqual(out["prompt_token_ids"] as? [Int], fixture.promptIDs)
        let ids = try XCTUnwrap(out["token_ids"] as? [Int])
        // The quantised fast path must agree with float32 transformers on the first 8 ids; the
        // 8th is <|im_end|>, so generation stops there.
        XCTAssertEqual(Array(ids.prefix(8)), Array(fixture.generatedIDs.prefix(8)))
        XCTAssertEqual(ids.count, 8)
        XCTAssertEqual(out["text"] as? String, "The capital of France is Paris.")
        XCTAssertEqual(out["finish_reason"] as? String, "stop")
        XCTAssertEqual(out["stop_reason"] as? Int, 2)
        let usage = try XCTUnwrap(out["usage"] as? [String: Any])
        XCTAssertEqual(usage["prompt_tokens"] as? Int, fixture.promptIDs.count)
        XCTAssertEqual(usage["completion_tokens"] as? Int, 8)
        let timings = try XCTUnwrap(out["timings"] as? [String: Any])
        for key in ["load_s", "ttft_s", "decode_tokens_per_s", "total_s"] {
            XCTAssertGreaterThan(timings[key] as? Double ?? 0, 0, key)
        }
    }

    func testPlainOutputIsTheTextWithProgressOnStderr() throws {
        let fixture = try EngineFixture.named("raw_story")
        let r = try EngineCommand.run(["generate", "default", "--prompt", fixture.prompt, "--temperature", "0", "--max-tokens", "5"])
        XCTAssertEqual(r.status, 0, r.stderr)
        // " had a special ability to": the reference's first five tokens, no BOS (SmolLM2 adds none).
        XCTAssertEqual(r.stdout, " had a special ability to\n")
        XCTAssertTrue(r.stderr.contains("kvdeck generate: loading "), r.stderr)
        XCTAssertTrue(r.stderr.contains("length after 5 tokens (11 prompt tokens)"), r.stderr)
    }

    func testASeedRepeatsASampledRun() throws {
        let args = ["generate", "default", "--prompt", "Once upon a time", "--temperature", "1.0", "--top-k", "50",
                    "--seed", "1234", "--max-tokens", "16", "-o", "json"]
        let first = try EngineCommand.json(args)
        let second = try EngineCommand.json(args)
        let ids = try XCTUnwrap(first["token_ids"] as? [Int])
        XCTAssertFalse(ids.isEmpty)
        XCTAssertEqual(second["token_ids"] as? [Int], ids)
        XCTAssertEqual(second["text"] as? String, first["text"] as? String)
    }

    func testAStopStringEndsTheTextBeforeIt() throws {
        let out = try EngineCommand.json(["generate", "default", "--messages", EngineCommand.capitalQuestion,
                                          "--temperature", "0", "--stop", " Paris", "-o", "json"])
        XCTAssertEqual(out["text"] as? String, "The capital of France is")
        XCTAssertEqual(out["finish_reason"] as? String, "stop")
        XCTAssertEqual(out["stop_reason"] as? String, " Paris")
    }

    func testBadInputExitsNonZeroWithAMessage() throws {
        let cases: [(args: [String], message: String)] = [
            (["generate", "/nonexistent/model.gguf", "--prompt", "Hi"], "no model at /nonexistent/model.gguf"),
            (["generate", "default", "--messages", #"[{"role":"user","content":"#], "--messages: not valid JSON (invalid JSON at line 1, column 27 (byte 26): expected a value, found end of input)"),
            (["generate", "default", "--messages", #"{"role":"user","content":"Hi"}"#], "--messages: 'messages' must be a non-empty list"),
            (["generate", "default", "--messages", #"[{"content":"Hi"}]"#], "messages[0].role is required"),
            (["generate", "default", "--prompt", "Hi", "--max-tokens", "0"], "--max-tokens must be at least 1"),
            (["generate", "default", "--prompt", "Hi", "--top-p", "2"], "--top-p must be in (0, 1]"),
            (["generate", "default", "--messages", EngineCommand.capitalQuestion, "--chat-template", "jinja"],
             #"unknown chat template name "jinja""#),
            (["generate", "default"], "give exactly one of --prompt and --messages"),
            (["generate", "default", "--prompt", "Hi", "--messages", EngineCommand.capitalQuestion], "give exactly one of --prompt and --messages"),
        ]
        for c in cases {
            let r = try EngineCommand.run(c.args)
            XCTAssertNotEqual(r.status, 0, c.args.joined(separator: " "))
            XCTAssertTrue(r.stderr.contains(c.message), "\(c.args): \(r.stderr)")
            XCTAssertEqual(r.stdout, "", c.args.joined(separator: " "))
        }
    }
}
