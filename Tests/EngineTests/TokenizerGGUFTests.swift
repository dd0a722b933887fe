import Foundation
import KvdeckTestSupport
import XCTest
@testable import Engine

/// The default model's tokenizer against the reference tokenizer's ids in the engine fixture.
final class TokenizerGGUFTests: XCTestCase {
    private static func tokenizer() throws -> Tokenizer { try Tokenizer(gguf: TestModel.defaultGGUF()) }

    func testFixturePromptsGiveTheReferenceIds() throws {
        let tok = try Self.tokenizer()
        let cases = try EngineFixture.cases()
        XCTAssertEqual(cases.count, 3)
        for c in cases {
            XCTAssertEqual(tok.encode(c.prompt), c.promptIDs, c.name)
            XCTAssertEqual(tok.decode(c.promptIDs), c.prompt, c.name)
        }
    }

    /// The generated text in the fixture is the reference tokenizer's decoding of the generated ids.
    func testFixtureGeneratedTextDecodes() throws {
        let tok = try Self.tokenizer()
        for c in try EngineFixture.cases() {
            XCTAssertEqual(tok.decode(c.generatedIDs), c.generatedText, c.name)
        }
    }

    func testSpecialTokensAndMetadata() throws {
        let tok = try Self.tokenizer()
        XCTAssertEqual(tok.vocabularySize, 49152)
        XCTAssertEqual(tok.bosTokenID, 1)
        XCTAssertEqual(tok.eosTokenID, 2)
        XCTAssertFalse(tok.addsBOS)
        XCTAssertEqual(tok.preTokenizer, .smollm)
        XCTAssertEqual(tok.id(ofToken: "<|im_start|>"), 1)
        XCTAssertEqual(tok.id(ofToken: "<|im_end|>"), 2)
        XCTAssertEqual(tok.kind(1), .control)
        XCTAssertEqual(tok.kind(504), .normal)
        // eos plus <|endoftext|>, which llama.cpp also stops at.
        XCTAssertEqual(tok.endOfGenerationTokenIDs, [0, 2])
        XCTAssertEqual(tok.encode("<|im_start|>user"), [1, 4093])
        // Without special parsing the marker is spelled out as text.
        let spelled = tok.encode("<|im_start|>", parseSpecial: false)
        XCTAssertGreaterThan(spelled.count, 1)
        XCTAssertEqual(tok.decode(spelled), "<|im_start|>")
        XCTAssertEqual(tok.decode([1, 4093, 2], skipSpecial: true), "user")
        // addsBOS is false for SmolLM2, so addSpecialTokens adds nothing.
        XCTAssertEqual(tok.encode("Hi", addSpecialTokens: true), tok.encode("Hi"))
    }
}
