/// GPT-2's reversible byte↔character map (`bytes_to_unicode`). Byte-level BPE vocabularies store
/// every token as these characters, so that a token's text never holds a raw space, control byte
/// or half of a UTF-8 sequence: the 188 printable bytes `!`..`~`, `¡`..`¬`, `®`..`ÿ` stand for
/// themselves and the other 68 become U+0100 + n, in byte order (space → `Ġ`, newline → `Ċ`).
enum ByteLevel {
    /// The character for each byte.
    static let characterForByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if isPrintable(UInt8(b)) {
                table[b] = Unicode.Scalar(UInt8(b))
            } else {
                table[b] = Unicode.Scalar(next)!  // 256..<324: always valid scalars
                next += 1
            }
        }
        return table
    }()

    /// The byte each mapped character stands for; characters outside the map are nil.
    static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let v = scalar.value
        if v < 256 { return isPrintable(UInt8(v)) ? UInt8(v) : nil }
        guard v < 256 + 68 else { return nil }
        return reverseHigh[Int(v - 256)]
    }

    private static let reverseHigh: [UInt8] = {
        var out: [UInt8] = []
        for b in 0..<256 where !isPrintable(UInt8(b)) { out.append(UInt8(b)) }
        return out
    }()

    private static func isPrintable(_ b: UInt8) -> Bool {
        (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
    }

    /// The bytes a vocabulary token stands for. A token holding a character outside the map
    /// (never the case in a well-formed vocabulary) keeps its raw UTF-8, as Hugging Face's
    /// ByteLevel decoder does.
    static func bytes(ofToken text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for s in text.unicodeScalars {
            guard let b = byte(for: s) else { return Array(text.utf8) }
            out.append(b)
        }
        return out
    }

    /// The vocabulary spelling of raw bytes (the inverse of `bytes(ofToken:)`).
    static func tokenText(of bytes: some Sequence<UInt8>) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(characterForByte[Int(b)]) }
        return String(s)
    }
}
