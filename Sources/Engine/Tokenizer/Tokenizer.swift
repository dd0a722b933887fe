import Foundation  // NFC normalisation (precomposedStringWithCanonicalMapping)

/// A byte-level BPE tokenizer (GPT-2, SmolLM2, Qwen2, Llama 3 vocabularies), loaded from GGUF
/// metadata (`Tokenizer(gguf:)`) or a Hugging Face tokenizer.json (`Tokenizer(huggingFaceJSON:)`).
///
/// Encoding: special and added tokens are cut out of the raw text first; each stretch between
/// them is NFC-normalised if the vocabulary asks for it, split into words by the pre-tokenizer,
/// mapped to GPT-2's byte characters and merged by rank. A value type: the tables are shared,
/// immutable and safe to use from any thread.
public struct Tokenizer: Sendable {
    let tables: TokenizerTables

    /// Begin-of-sequence token, prepended by `encode(_:addSpecialTokens:)` when `addsBOS`.
    public var bosTokenID: Int?
    public var eosTokenID: Int?
    public var addsBOS: Bool
    /// Every id that ends generation: eos, end-of-turn tokens (`<|im_end|>`, `<|eot_id|>`, ...)
    /// and the ids a generation_config.json lists.
    public var endOfGenerationTokenIDs: Set<Int>

    init(tables: TokenizerTables, bos: Int?, eos: Int?, addsBOS: Bool, endOfGeneration: Set<Int>) {
        self.tables = tables
        self.bosTokenID = bos
        self.eosTokenID = eos
        self.addsBOS = addsBOS
        self.endOfGenerationTokenIDs = endOfGeneration
    }

    /// Ids run from 0 to `vocabularySize - 1` (ids without a vocabulary entry decode to nothing).
    public var vocabularySize: Int { tables.pieces.count }
    public var preTokenizer: PreTokenizer { tables.preTokenizer }

    /// The bytes a token stands for (a special token's text as UTF-8); empty for an unknown id.
    public func piece(_ id: Int) -> [UInt8] {
        tables.pieces.indices.contains(id) ? tables.pieces[id] : []
    }

    public func kind(_ id: Int) -> TokenKind? {
        tables.kinds.indices.contains(id) ? tables.kinds[id] : nil
    }

    /// The id of a special or added token by its text (`"<|im_end|>"`), else of a vocabulary
    /// token that is exactly those bytes.
    public func id(ofToken text: String) -> Int? {
        if let id = tables.specialIDs[text] { return id }
        return id(ofBytes: Array(text.utf8))
    }

    /// The id of the vocabulary token that is exactly these bytes (a single byte of a character
    /// included), if there is one.
    public func id(ofBytes bytes: [UInt8]) -> Int? {
        tables.wholeWords[bytes].map(Int.init)
    }

    /// Token ids for `text`. Special tokens written in the text are matched (as in a rendered chat
    /// template); with `parseSpecial: false` only user-defined added tokens are, and control
    /// tokens are spelled out as text. `addSpecialTokens` prepends BOS where the model wants one.
    public func encode(_ text: String, addSpecialTokens: Bool = false, parseSpecial: Bool = true) -> [Int] {
        var out: [Int] = []
        if addSpecialTokens, addsBOS, let bos = bosTokenID { out.append(bos) }
        var cache: [[UInt8]: [Int32]] = [:]
        for segment in tables.specials.segments(text, parseControl: parseSpecial) {
            switch segment {
            case .token(let id): out.append(id)
            case .text(let t): encodeText(t, into: &out, cache: &cache)
            }
        }
        return out
    }

    private func encodeText(_ raw: String, into out: inout [Int], cache: inout [[UInt8]: [Int32]]) {
        var text = tables.normalizesNFC ? raw.precomposedStringWithCanonicalMapping : raw
        if tables.preTokenizer.addPrefixSpace, !text.hasPrefix(" ") { text = " " + text }
        let scalars = Array(text.unicodeScalars)
        let classes = scalars.map(ScalarClass.init)
        var word: [UInt8] = []
        for r in tables.preTokenizer.split(scalars, classes: classes) {
            word.removeAll(keepingCapacity: true)
            for s in scalars[r] { appendUTF8(s, to: &word) }
            if let ids = cache[word] {
                for id in ids { out.append(Int(id)) }
                continue
            }
            let ids = tables.bpe(word)
            cache[word] = ids
            for id in ids { out.append(Int(id)) }
        }
    }

    /// The text of `ids`: their bytes concatenated, then read as UTF-8 (an incomplete or invalid
    /// sequence becomes U+FFFD). `skipSpecial` drops control tokens (`<|im_end|>`).
    public func decode(_ ids: [Int], skipSpecial: Bool = false) -> String {
        var bytes: [UInt8] = []
        for id in ids where !(skipSpecial && kind(id) == .control) { bytes.append(contentsOf: piece(id)) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A decoder for a stream of ids that never emits half a character.
    public func incrementalDecoder(skipSpecial: Bool = false) -> IncrementalDecoder {
        IncrementalDecoder(tokenizer: self, skipSpecial: skipSpecial)
    }
}

@inline(__always)
private func appendUTF8(_ s: Unicode.Scalar, to out: inout [UInt8]) {
    let v = s.value
    switch v {
    case 0..<0x80:
        out.append(UInt8(v))
    case 0x80..<0x800:
        out.append(UInt8(0xC0 | (v >> 6)))
        out.append(UInt8(0x80 | (v & 0x3F)))
    case 0x800..<0x10000:
        out.append(UInt8(0xE0 | (v >> 12)))
        out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (v & 0x3F)))
    default:
        out.append(UInt8(0xF0 | (v >> 18)))
        out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
        out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (v & 0x3F)))
    }
}
