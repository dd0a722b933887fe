/// Finds special and added tokens (`<|im_start|>`, `<|eot_id|>`, ...) in raw text before any
/// normalisation or pre-tokenization, so they become their own ids instead of being spelled out
/// byte by byte. Leftmost match first, the longest one at a position, as Hugging Face's
/// AddedVocabulary (Aho-Corasick, leftmost-longest) and llama.cpp's partitioning do.
struct SpecialTokenMatcher: Sendable {
    struct Entry: Sendable {
        var bytes: [UInt8]
        var id: Int
        /// HF `lstrip`/`rstrip`: whitespace beside the token belongs to it.
        var lstrip: Bool
        var rstrip: Bool
        /// Control tokens are matched only when the caller parses special tokens.
        var isControl: Bool
    }

    enum Segment: Equatable {
        case text(String)
        case token(Int)
    }

    /// Candidates by first byte, longest first.
    private var byFirstByte: [[Entry]] = Array(repeating: [], count: 256)
    private(set) var isEmpty = true

    init(_ entries: [Entry]) {
        for e in entries where !e.bytes.isEmpty {
            byFirstByte[Int(e.bytes[0])].append(e)
            isEmpty = false
        }
        for i in 0..<256 { byFirstByte[i].sort { $0.bytes.count > $1.bytes.count } }
    }

    func segments(_ text: String, parseControl: Bool) -> [Segment] {
        if isEmpty { return [.text(text)] }
        let bytes = Array(text.utf8)
        var out: [Segment] = []
        var textStart = 0
        var i = 0
        let n = bytes.count
        while i < n {
            var found: Entry?
            for e in byFirstByte[Int(bytes[i])] where e.bytes.count <= n - i && (parseControl || !e.isControl) {
                if bytes[i..<(i + e.bytes.count)].elementsEqual(e.bytes) { found = e; break }
            }
            guard let e = found else { i += 1; continue }
            var before = Array(bytes[textStart..<i])
            if e.lstrip { while let last = before.last, Self.isASCIISpace(last) { before.removeLast() } }
            if !before.isEmpty { out.append(.text(String(decoding: before, as: UTF8.self))) }
            out.append(.token(e.id))
            i += e.bytes.count
            if e.rstrip { while i < n, Self.isASCIISpace(bytes[i]) { i += 1 } }
            textStart = i
        }
        if textStart < n { out.append(.text(String(decoding: bytes[textStart..<n], as: UTF8.self))) }
        return out
    }

    // lstrip/rstrip in HF strip Unicode whitespace; the tokens that set them (Llama 2's `<s>`,
    // Phi's) sit beside ASCII spaces and newlines, which is all this strips.
    private static func isASCIISpace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0D).contains(b) }
}
