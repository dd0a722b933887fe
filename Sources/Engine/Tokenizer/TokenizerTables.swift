/// The immutable tables behind a `Tokenizer`, shared by every copy of it. Both loaders (GGUF
/// metadata, tokenizer.json) describe a vocabulary as a `TokenizerDefinition` and build it here,
/// so there is one place that turns token spellings and merges into id tables.
final class TokenizerTables: Sendable {
    /// Bytes of each token id.
    let pieces: [[UInt8]]
    let kinds: [TokenKind]
    let merges: BPEMerges
    /// The token for each single byte, -1 where the vocabulary has none.
    let byteTokens: [Int32]
    /// Normal tokens by their bytes: whole-word lookups (`ignoreMerges`) and `id(ofToken:)`.
    let wholeWords: [[UInt8]: Int32]
    /// Special and added tokens by their text.
    let specialIDs: [String: Int]
    let specials: SpecialTokenMatcher
    let preTokenizer: PreTokenizer
    let normalizesNFC: Bool
    /// HF `ignore_merges` (Llama 3): a word that is itself a token is not merged from bytes.
    let ignoreMerges: Bool
    let unknownID: Int32?

    init(_ d: TokenizerDefinition, source: String) throws(ModelLoadError) {
        let count = d.tokens.count
        var pieces = [[UInt8]](repeating: [], count: count)
        var kinds = [TokenKind](repeating: .unused, count: count)
        var bySpelling: [String: Int32] = [:]
        bySpelling.reserveCapacity(count)
        var whole: [[UInt8]: Int32] = [:]
        whole.reserveCapacity(count)
        var specialIDs: [String: Int] = [:]
        var matchEntries: [SpecialTokenMatcher.Entry] = []
        guard count < Int(Int32.max) else { throw ModelLoadError(path: source, "vocabulary of \(count) tokens is too large") }

        for (id, entry) in d.tokens.enumerated() {
            guard let entry else { continue }
            kinds[id] = entry.kind
            switch entry.kind {
            case .normal, .unknown:
                pieces[id] = entry.kind == .normal ? ByteLevel.bytes(ofToken: entry.text) : Array(entry.text.utf8)
                if entry.kind == .normal {
                    if bySpelling[entry.text] == nil { bySpelling[entry.text] = Int32(id) }
                    if whole[pieces[id]] == nil { whole[pieces[id]] = Int32(id) }
                }
            case .control, .userDefined:
                pieces[id] = Array(entry.text.utf8)
                if specialIDs[entry.text] == nil { specialIDs[entry.text] = id }
                matchEntries.append(.init(bytes: pieces[id], id: id, lstrip: entry.lstrip, rstrip: entry.rstrip,
                                          isControl: entry.kind == .control))
            case .byte:
                // SentencePiece-style "<0xAB>".
                let hex = entry.text.dropFirst(3).dropLast()
                if entry.text.hasPrefix("<0x"), entry.text.hasSuffix(">"), let b = UInt8(hex, radix: 16) {
                    pieces[id] = [b]
                } else {
                    pieces[id] = Array(entry.text.utf8)
                }
            case .unused:
                break
            }
        }

        var byteTokens = [Int32](repeating: -1, count: 256)
        for b in 0..<256 {
            if let id = bySpelling[String(ByteLevel.characterForByte[b])] { byteTokens[b] = id }
        }

        var merges = BPEMerges()
        for (rank, pair) in d.merges.enumerated() {
            guard let l = bySpelling[pair.0], let r = bySpelling[pair.1], let m = bySpelling[pair.0 + pair.1] else {
                throw ModelLoadError(path: source, "merge \(rank) (\(pair.0) \(pair.1)) names a token that is not in the vocabulary")
            }
            merges.add(left: Int(l), right: Int(r), merged: Int(m), rank: rank)
        }

        self.pieces = pieces
        self.kinds = kinds
        self.merges = merges
        self.byteTokens = byteTokens
        self.wholeWords = whole
        self.specialIDs = specialIDs
        self.specials = SpecialTokenMatcher(matchEntries)
        self.preTokenizer = d.preTokenizer
        self.normalizesNFC = d.normalizesNFC
        self.ignoreMerges = d.ignoreMerges
        self.unknownID = d.unknownID.map(Int32.init)
    }

    /// The ids of one pre-tokenized word given as raw bytes.
    func bpe(_ word: [UInt8]) -> [Int32] {
        if ignoreMerges, let id = wholeWords[word] { return [id] }
        var initial: [Int32] = []
        initial.reserveCapacity(word.count)
        for b in word {
            let id = byteTokens[Int(b)]
            // A byte the vocabulary cannot spell: the unknown token if there is one, else dropped
            // (HF's BPE without byte fallback does the same).
            if id >= 0 { initial.append(id) } else if let u = unknownID { initial.append(u) }
        }
        return merges.merge(initial)
    }
}

/// A vocabulary as a loader reads it, before any tables are built.
struct TokenizerDefinition {
    struct Entry {
        /// The spelling in the file: byte characters for normal tokens, plain text for special ones.
        var text: String
        var kind: TokenKind
        var lstrip = false
        var rstrip = false
    }

    /// Indexed by id; nil for ids the file does not define.
    var tokens: [Entry?]
    /// In rank order.
    var merges: [(String, String)]
    var preTokenizer: PreTokenizer
    var normalizesNFC = false
    var ignoreMerges = false
    var unknownID: Int?
}
