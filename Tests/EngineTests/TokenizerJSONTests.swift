import Foundation
import XCTest
@testable import Engine

/// A small hand-built tokenizer.json: every byte as a token (ids 0...255 in byte order, so a
/// byte's id is its value), a few merges, Qwen2's pre-tokenizer with NFC, and added tokens.
final class TokenizerJSONTests: XCTestCase {
    static func json(normalizer: Any = ["type": "NFC"], preTokenizer: Any? = nil, decoder: Any = ["type": "ByteLevel"],
                     model: [String: Any] = [:], added: [[String: Any]]? = nil, postProcessor: Any = NSNull()) -> Data {
        var vocab: [String: Int] = [:]
        for b in 0..<256 { vocab[String(ByteLevel.characterForByte[b])] = b }
        // Merges in rank order. "l l" outranks "e l", so "hello" merges as h-e-(ll)-o, not h-(el)-l-o.
        let merges = ["l l", "e l", "h e", "he ll", "hell o", "Ġ w", "Ġw or", "o r", "Ã ©"]
        for m in merges {
            let merged = m.replacingOccurrences(of: " ", with: "")
            if vocab[merged] == nil { vocab[merged] = vocab.count }
        }
        // A token no merge produces: only ignore_merges can reach it.
        vocab["hl"] = vocab.count
        var m: [String: Any] = ["type": "BPE", "vocab": vocab, "merges": merges]
        for (k, v) in model { m[k] = v }
        let root: [String: Any] = [
            "added_tokens": added ?? [
                ["id": 300, "content": "<|im_start|>", "special": true],
                ["id": 301, "content": "<tool>", "special": false, "lstrip": true, "rstrip": true],
            ],
            "normalizer": normalizer,
            "pre_tokenizer": preTokenizer ?? ["type": "Sequence", "pretokenizers": [
                ["type": "Split", "pattern": ["Regex": PreTokenizer.SplitPattern.qwen2.regex], "behavior": "Isolated", "invert": false],
                ["type": "ByteLevel", "add_prefix_space": false, "use_regex": false],
            ]],
            "decoder": decoder,
            "post_processor": postProcessor,
            "model": m,
        ]
        return try! JSONSerialization.data(withJSONObject: root)
    }

    private func tokenizer(_ data: Data = json()) throws -> Tokenizer {
        try Tokenizer(huggingFaceJSON: data, path: "tokenizer.json")
    }

    private func id(_ t: Tokenizer, _ text: String) -> Int { t.id(ofToken: text)! }

    func testMergesFollowRankAndSpecialTokensComeFirst() throws {
        let t = try tokenizer()
        XCTAssertEqual(t.preTokenizer, .qwen2)
        XCTAssertEqual(t.encode("hello"), [id(t, "hello")])
        XCTAssertEqual(t.encode("hello world"), [id(t, "hello"), id(t, " wor"), 0x6C, 0x64])
        // With one l, "e l" (rank 1) merges before "h e" (rank 2).
        XCTAssertEqual(t.encode("hel"), [0x68, id(t, "el")])
        XCTAssertEqual(t.encode("hl"), [0x68, 0x6C])
        XCTAssertEqual(t.encode("<|im_start|>hello"), [300, id(t, "hello")])
        XCTAssertEqual(t.decode([300, id(t, "hello")]), "<|im_start|>hello")
        XCTAssertEqual(t.decode([300, id(t, "hello")], skipSpecial: true), "hello")
        XCTAssertEqual(t.kind(300), .control)
        XCTAssertEqual(t.kind(301), .userDefined)
        // parseSpecial false spells a control token out, but still matches user-defined ones.
        XCTAssertEqual(t.encode("<|im_start|>", parseSpecial: false).count, 12)
        XCTAssertEqual(t.encode("a <tool> b", parseSpecial: false), [0x61, 301, 0x62])
    }

    func testNFCMakesComposedAndDecomposedTextTheSame() throws {
        let t = try tokenizer()
        let composed = "caf\u{E9}", decomposed = "cafe\u{301}"
        XCTAssertNotEqual(Array(composed.unicodeScalars), Array(decomposed.unicodeScalars))
        XCTAssertEqual(t.encode(decomposed), t.encode(composed))
        XCTAssertEqual(t.encode(composed), [0x63, 0x61, 0x66, id(t, "é")])
        XCTAssertEqual(t.decode(t.encode(decomposed)), composed)
        // Without the normaliser the marks stay as they were written.
        let raw = try tokenizer(Self.json(normalizer: NSNull()))
        XCTAssertEqual(raw.decode(raw.encode(decomposed)), decomposed)
        XCTAssertNotEqual(raw.encode(decomposed), raw.encode(composed))
    }

    func testByteLevelRegexPrefixSpaceAndBOSFromThePostProcessor() throws {
        let t = try tokenizer(Self.json(
            preTokenizer: ["type": "ByteLevel", "add_prefix_space": true, "use_regex": true],
            added: [["id": 300, "content": "<s>", "special": true]],
            postProcessor: ["type": "TemplateProcessing", "single": [["SpecialToken": ["id": "<s>", "type_id": 0]],
                                                                     ["Sequence": ["id": "A", "type_id": 0]]]]))
        XCTAssertEqual(t.preTokenizer, PreTokenizer(steps: [.pattern(.gpt2)], addPrefixSpace: true))
        XCTAssertEqual(t.encode("world"), [id(t, " wor"), 0x6C, 0x64])
        XCTAssertEqual(t.bosTokenID, 300)
        XCTAssertTrue(t.addsBOS)
        XCTAssertEqual(t.encode("world", addSpecialTokens: true).first, 300)
    }

    func testInvertedRemovedSplitIsTheSameAsIsolated() throws {
        let t = try tokenizer(Self.json(preTokenizer: ["type": "Sequence", "pretokenizers": [
            ["type": "Split", "pattern": ["Regex": PreTokenizer.SplitPattern.llama3.regex], "behavior": "Removed", "invert": true],
            ["type": "ByteLevel", "add_prefix_space": false, "use_regex": false],
        ]]))
        XCTAssertEqual(t.preTokenizer, .llama3)
    }

    func testIgnoreMergesTakesWholeWords() throws {
        // "hl" is a token that no merge makes: ignore_merges reaches it as a whole word; a word
        // that is not a token is merged as usual.
        let t = try tokenizer(Self.json(model: ["ignore_merges": true]))
        XCTAssertEqual(t.encode("hl"), [id(t, "hl")])
        XCTAssertEqual(t.encode("hel"), [0x68, id(t, "el")])
    }

    func testUnsupportedTokenizersAreRefusedByName() {
        let cases: [(Data, String)] = [
            (Self.json(model: ["type": "Unigram"]), "tokenizer model Unigram is not supported"),
            (Self.json(model: ["byte_fallback": true]), "byte_fallback"),
            (Self.json(normalizer: ["type": "Lowercase"]), "normalizer Lowercase is not supported"),
            (Self.json(preTokenizer: ["type": "Metaspace"]), "pre_tokenizer Metaspace is not supported"),
            (Self.json(preTokenizer: ["type": "Split", "pattern": ["Regex": "\\s+"], "behavior": "Isolated"]), "Split regex is not one kvdeck implements"),
            (Self.json(preTokenizer: ["type": "Split", "pattern": ["Regex": PreTokenizer.SplitPattern.gpt2.regex], "behavior": "Removed"]), "behavior Removed"),
            (Self.json(decoder: ["type": "Metaspace"]), "decoder Metaspace is not supported"),
            (Self.json(model: ["merges": ["h x"]]), "merge 0 (h x) names a token that is not in the vocabulary"),
            (Data("{\"model\": ".utf8), "not valid JSON"),
        ]
        for (data, message) in cases {
            XCTAssertThrowsError(try Tokenizer(huggingFaceJSON: data, path: "t.json")) { error in
                XCTAssertTrue("\(error)".contains(message), "\(error)")
                XCTAssertEqual((error as? ModelLoadError)?.path, "t.json")
            }
        }
    }
}
