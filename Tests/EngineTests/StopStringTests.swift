import XCTest
@testable import Engine

/// Stop strings over streamed text (OpenAI/vLLM semantics), on the matcher and end to end.
final class StopStringTests: XCTestCase {
    private func feed(_ stops: [String], _ deltas: [String], include: Bool = false) -> (out: [String], matched: String?, flushed: String) {
        var m = StopStringMatcher(stops: stops, includeStopInOutput: include)
        let out = deltas.map { m.feed($0) }
        let matched = m.matched
        return (out, matched, m.flush())
    }

    func testAStopStringSplitOverDeltasIsCutAndNeverEmitted() {
        let r = feed(["STOP"], ["He", "llo S", "T", "OP and more"])
        XCTAssertEqual(r.out, ["He", "llo ", "", ""])
        XCTAssertEqual(r.matched, "STOP")
        XCTAssertEqual(r.flushed, "")
    }

    func testAFalseStartIsReleasedOnceSettled() {
        let r = feed(["STOP"], ["a ST", "AR", "T"])
        XCTAssertEqual(r.out, ["a ", "STAR", "T"])
        XCTAssertNil(r.matched)
    }

    func testHeldTextIsReleasedWhenTheStreamEndsOtherwise() {
        let r = feed(["</s>"], ["done </"])
        XCTAssertEqual(r.out, ["done "])
        XCTAssertEqual(r.flushed, "</")
    }

    func testTheEarliestOfSeveralStopsWins() {
        let r = feed(["world", "lo w"], ["hello world"])
        XCTAssertEqual(r.out, ["hel"])
        XCTAssertEqual(r.matched, "lo w")
    }

    func testIncludeStopStringInOutput() {
        let r = feed(["\n\n"], ["para\n", "\nnext"], include: true)
        XCTAssertEqual(r.out, ["para", "\n\n"])
    }

    func testMultiByteStops() {
        let r = feed(["é!"], ["caf", "é", "!"])
        XCTAssertEqual(r.out, ["caf", "", ""])
        XCTAssertEqual(r.matched, "é!")
        XCTAssertEqual(feed(["é!"], ["café", " ok"]).out, ["caf", "é ok"])
    }

    // End to end: tokens are bytes, so every stop string spans token boundaries.
    private func generate(_ text: String, _ configure: (inout SamplingParams) -> Void) throws -> Completion {
        let prompt: [TokenID] = [80, 81]
        let script = text.utf8.map { TokenID($0) } + [256]  // then eos
        var p = SamplingParams.greedy
        configure(&p)
        var d = try EngineDriver(runner: ScriptedRunner(script: script, promptLength: prompt.count),
                                 detokenizer: ToyByteDetokenizer(eos: [256]))
        try d.add(GenerationRequest(id: "t", prompt: .tokens(prompt), sampling: p))
        d.runToCompletion()
        return d.completions["t"]!
    }

    func testEngineCutsTextAtAStopString() throws {
        let c = try generate("Hello, World! STOP here") { $0.stop = ["STOP", "xyz"] }
        XCTAssertEqual(c.text, "Hello, World! ")
        XCTAssertEqual(c.finish?.reason, .stop)
        XCTAssertEqual(c.finish?.stopReason, .string("STOP"))
        XCTAssertEqual(c.tokens.count, "Hello, World! STOP".utf8.count, "generation ends at the token completing the match")
    }

    func testEngineEndsAtEOSWithoutItsText() throws {
        let c = try generate("naïve café") { _ in }
        XCTAssertEqual(c.text, "naïve café", "multi-byte characters split over tokens come out whole")
        XCTAssertEqual(c.finish?.reason, .stop)
        XCTAssertEqual(c.finish?.stopReason, .token(256))
        XCTAssertEqual(c.finish?.usage, Usage(promptTokens: 2, completionTokens: "naïve café".utf8.count + 1, cachedPromptTokens: 0))
    }

    func testMaxTokensUserStopIdsAndIgnoreEOS() throws {
        let capped = try generate("abcdef") { $0.maxTokens = 3; $0.stop = ["cd"] }
        XCTAssertEqual(capped.text, "abc", "the held-back \"c\" is released when the length limit ends the stream")
        XCTAssertEqual(capped.finish?.reason, .length)

        let userStop = try generate("abcdef") { $0.stopTokenIDs = [TokenID(UInt8(ascii: "d"))] }
        XCTAssertEqual(userStop.text, "abc")
        XCTAssertEqual(userStop.finish?.stopReason, .token(100))

        let ignoring = try generate("ab") { $0.ignoreEOS = true; $0.maxTokens = 6 }
        XCTAssertEqual(ignoring.tokens, [97, 98, 256, 256, 256, 256])
        XCTAssertEqual(ignoring.finish?.reason, .length)
    }

    func testEveryDeltaIsValidAndNothingBeyondTheStopLeaks() throws {
        let prompt: [TokenID] = [65]
        let text = "ü → ✓ END tail"
        var d = try EngineDriver(runner: ScriptedRunner(script: text.utf8.map { TokenID($0) }, promptLength: 1),
                                 detokenizer: ToyByteDetokenizer())
        var p = SamplingParams.greedy
        p.stop = ["END"]
        try d.add(GenerationRequest(id: "u", prompt: .tokens(prompt), sampling: p))
        var deltas: [String] = []
        while d.core.hasWork {
            for o in d.core.step(using: d.runner) {
                for case .delta(let x) in o.events { deltas.append(x.text) }
            }
        }
        XCTAssertEqual(deltas.joined(), "ü → ✓ ")
        XCTAssertFalse(deltas.contains { $0.contains("E") })
    }
}
