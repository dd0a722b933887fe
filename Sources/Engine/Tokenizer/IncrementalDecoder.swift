/// Turns a stream of token ids into text deltas without ever splitting a UTF-8 character: bytes
/// of a character that is still incomplete (an emoji spread over two byte-level tokens) wait for
/// the next id. Bytes that can never form a character are emitted as U+FFFD straight away.
public struct IncrementalDecoder: Sendable {
    public let tokenizer: Tokenizer
    public let skipSpecial: Bool
    private var pending: [UInt8] = []

    public init(tokenizer: Tokenizer, skipSpecial: Bool = false) {
        self.tokenizer = tokenizer
        self.skipSpecial = skipSpecial
    }

    /// The text that `id` completes (often empty while a character is incomplete).
    public mutating func append(_ id: Int) -> String {
        if skipSpecial, tokenizer.kind(id) == .control { return "" }
        pending.append(contentsOf: tokenizer.piece(id))
        let keep = Self.incompleteSuffixLength(pending)
        let ready = pending.count - keep
        guard ready > 0 else { return "" }
        let text = String(decoding: pending[..<ready], as: UTF8.self)
        pending.removeFirst(ready)
        return text
    }

    /// Whatever is still held (an incomplete character at the end of generation), as U+FFFD.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// How many trailing bytes are the valid beginning of a character that needs more bytes.
    static func incompleteSuffixLength(_ b: [UInt8]) -> Int {
        // A character is at most 4 bytes, so only the last 3 can be an unfinished one.
        var i = b.count - 1
        var continuation = 0
        while i >= 0, b.count - i <= 3 {
            let x = b[i]
            if x & 0xC0 == 0x80 {
                continuation += 1
                i -= 1
                continue
            }
            let need: Int
            switch x {
            case 0xC2...0xDF: need = 2
            case 0xE0...0xEF: need = 3
            case 0xF0...0xF4: need = 4
            default: return 0  // ASCII or an invalid lead: nothing to wait for
            }
            let have = continuation + 1
            guard have < need else { return 0 }
            // Only wait for a prefix that can still become valid (no overlong/surrogate starts).
            if have >= 2 {
                let second = b[i + 1]
                switch x {
                case 0xE0: if second < 0xA0 { return 0 }
                case 0xED: if second > 0x9F { return 0 }
                case 0xF0: if second < 0x90 { return 0 }
                case 0xF4: if second > 0x8F { return 0 }
                default: break
                }
            }
            return have
        }
        return 0
    }
}
