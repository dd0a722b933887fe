import XCTest
@testable import Engine

final class IncrementalDecoderTests: XCTestCase {
    private static let texts = [
        "emoji: 🙂👍🏽 👨‍👩‍👧 flags 🇫🇷🇩🇪",
        "東京は日本の首都です。한국어 텍스트",
        "combining: e\u{301} n\u{303} a\u{30A} — Zalgo: Z\u{351}\u{34B}a\u{36A}l\u{368}",
        "digits 00012345678901234567890 and spaces      and\ttabs\t\t\n\n\n",
        "they're I'd we'll it's SHE'S",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛 and a lone surrogate-free 4-byte: 𐍈",
    ]

    /// Streamed text equals the whole decode and no delta ever carries a broken character,
    /// including where one character's bytes are spread over several tokens.
    func testStreamingNeverSplitsACharacter() throws {
        let tok = try Tokenizer(gguf: TestModel.defaultGGUF())
        var sawSplitCharacter = false
        for text in Self.texts {
            let ids = tok.encode(text)
            XCTAssertEqual(tok.decode(ids), text)
            var decoder = tok.incrementalDecoder()
            var streamed = ""
            for id in ids {
                let piece = tok.piece(id)
                if String(validating: piece, as: UTF8.self) == nil { sawSplitCharacter = true }
                let delta = decoder.append(id)
                XCTAssertFalse(delta.unicodeScalars.contains("\u{FFFD}"), "\(text.debugDescription): \(delta.debugDescription)")
                streamed += delta
            }
            XCTAssertEqual(decoder.finish(), "")
            XCTAssertEqual(streamed, text)
        }
        XCTAssertTrue(sawSplitCharacter, "the corpus must include a character split across tokens")
    }

    func testEmojiSplitAcrossTokensWaitsForItsLastByte() throws {
        let tok = try Tokenizer(gguf: TestModel.defaultGGUF())
        // The vocabulary's single-byte tokens for 🙂 (F0 9F 99 82).
        let bytes: [UInt8] = [0xF0, 0x9F, 0x99, 0x82]
        let ids = bytes.map { tok.id(ofBytes: [$0]) ?? -1 }
        XCTAssertFalse(ids.contains(-1))
        var d = tok.incrementalDecoder()
        XCTAssertEqual(d.append(ids[0]), "")
        XCTAssertEqual(d.append(ids[1]), "")
        XCTAssertEqual(d.append(ids[2]), "")
        XCTAssertEqual(d.append(ids[3]), "🙂")
        // An incomplete character left at the end comes out as U+FFFD.
        XCTAssertEqual(d.append(ids[0]), "")
        XCTAssertEqual(d.finish(), "\u{FFFD}")
    }

    func testBytesThatCanNeverFormACharacterAreNotHeldBack() {
        XCTAssertEqual(IncrementalDecoder.incompleteSuffixLength([0x41, 0xF0, 0x9F]), 2)
        XCTAssertEqual(IncrementalDecoder.incompleteSuffixLength([0xF0, 0x9F, 0x99]), 3)
        XCTAssertEqual(IncrementalDecoder.incompleteSuffixLength([0xE2, 0x82]), 2)
        XCTAssertEqual(IncrementalDecoder.incompleteSuffixLength([0xC3]), 1)
        XCTAssertEqual(IncrementalDecoder.incompleteSuffixLength([0x41]), 0)
        XCTAssertEqual(IncrementalDecoder.incompleteSuffixLength([0xC3, 0xA9]), 0)
        XCTAssertEqual(IncrementalDecoder.incompleteSuffixLength([0x80]), 0)        // stray continuation
        XCTAssertEqual(IncrementalDecoder.incompleteSuffixLength([0xFF]), 0)        // never a lead byte
        XCTAssertEqual(IncrementalDecoder.incompleteSuffixLength([0xE0, 0x80]), 0)  // overlong start
        XCTAssertEqual(IncrementalDecoder.incompleteSuffixLength([0xED, 0xA0]), 0)  // surrogate start
        XCTAssertEqual(IncrementalDecoder.incompleteSuffixLength([0xF0, 0x9F, 0x99, 0x82]), 0)
    }

    func testSkipsControlTokensWhenAsked() throws {
        let tok = try Tokenizer(gguf: TestModel.defaultGGUF())
        let ids = tok.encode("<|im_start|>assistant\nHi<|im_end|>")
        var plain = tok.incrementalDecoder()
        var skipping = tok.incrementalDecoder(skipSpecial: true)
        XCTAssertEqual(ids.map { plain.append($0) }.joined(), "<|im_start|>assistant\nHi<|im_end|>")
        XCTAssertEqual(ids.map { skipping.append($0) }.joined(), "assistant\nHi")
    }
}
