import Foundation
import KvdeckTestSupport
import XCTest
@testable import Engine

/// The tokenizer against Hugging Face `tokenizers` (vectors in TokenizerReferenceVectors.swift).
final class TokenizerReferenceTests: XCTestCase {
    func testPreTokenizersMatchHuggingFaceRegexSplits() {
        let pres: [String: PreTokenizer] = ["gpt2": .gpt2, "qwen2": .qwen2, "llama3": .llama3, "smollm": .smollm]
        for c in TokenizerReferenceVectors.cases {
            for (name, pre) in pres {
                XCTAssertEqual(pre.pieces(of: c.text), c.pieces[name], "\(name): \(c.text.debugDescription)")
            }
        }
    }

    func testGGUFTokenizerGivesHuggingFaceIds() throws {
        let tok = try Tokenizer(gguf: TestModel.defaultGGUF())
        for c in TokenizerReferenceVectors.cases {
            let ids = tok.encode(c.text)
            XCTAssertEqual(ids, c.smollmIDs, c.text.debugDescription)
            // SmolLM2 does not normalise, so byte-level BPE round-trips every string exactly,
            // combining marks included.
            XCTAssertEqual(tok.decode(ids), c.text)
        }
    }

    /// A tokenizer.json written from the GGUF vocabulary (as SmolLM2's own is laid out) loads into
    /// the same tokenizer: identical ids for the fixture prompts and every reference string.
    func testTokenizerJSONEquivalentOfTheGGUFVocabularyGivesIdenticalIds() throws {
        let gguf = try TestModel.defaultGGUF()
        let fromGGUF = try Tokenizer(gguf: gguf)
        let json = try SmolLMTokenizerJSON.make(from: gguf, mergesAsPairs: false)
        let fromJSON = try Tokenizer(huggingFaceJSON: json, path: "smollm-tokenizer.json")
        let pairs = try Tokenizer(huggingFaceJSON: SmolLMTokenizerJSON.make(from: gguf, mergesAsPairs: true), path: "pairs.json")
        XCTAssertEqual(fromJSON.vocabularySize, 49152)
        XCTAssertEqual(fromJSON.preTokenizer, .smollm)
        XCTAssertEqual(fromJSON.endOfGenerationTokenIDs, [0, 2])
        var texts = TokenizerReferenceVectors.cases.map(\.text)
        texts += try EngineFixture.cases().map(\.prompt)
        for t in texts {
            let expected = fromGGUF.encode(t)
            XCTAssertEqual(fromJSON.encode(t), expected, t.debugDescription)
            XCTAssertEqual(pairs.encode(t), expected, t.debugDescription)
        }
        for c in try EngineFixture.cases() { XCTAssertEqual(fromJSON.encode(c.prompt), c.promptIDs) }
    }
}

/// SmolLM2's tokenizer.json layout (Digits + ByteLevel, control tokens as special added tokens),
/// filled from the GGUF vocabulary.
enum SmolLMTokenizerJSON {
    static func make(from gguf: GGUFFile, mergesAsPairs: Bool) throws -> Data {
        let tokens = try gguf.strings("tokenizer.ggml.tokens")
        let types = try gguf.ints("tokenizer.ggml.token_type")
        var vocab: [String: Int] = [:]
        for (i, t) in tokens.enumerated() { vocab[t] = i }
        let added: [[String: Any]] = tokens.indices.filter { types[$0] == 3 }.map {
            ["id": $0, "content": tokens[$0], "special": true, "lstrip": false, "rstrip": false,
             "normalized": false, "single_word": false]
        }
        let merges: [Any] = try gguf.strings("tokenizer.ggml.merges").map { m in
            guard mergesAsPairs else { return m }
            let parts = m.split(separator: " ", maxSplits: 1).map(String.init)
            return parts
        }
        let root: [String: Any] = [
            "version": "1.0",
            "added_tokens": added,
            "normalizer": NSNull(),
            "pre_tokenizer": ["type": "Sequence", "pretokenizers": [
                ["type": "Digits", "individual_digits": true],
                ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true],
            ]],
            "post_processor": NSNull(),
            "decoder": ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true],
            "model": ["type": "BPE", "vocab": vocab, "merges": merges, "byte_fallback": false, "ignore_merges": false],
        ]
        return try JSONSerialization.data(withJSONObject: root)
    }
}
