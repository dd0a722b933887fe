/// The character classes the pre-tokenizer patterns test: `\p{L}`, `\p{N}`, `\s`, and the rest.
/// Letters and numbers are Unicode general categories (L* and N*), whitespace is the Unicode
/// White_Space property, as in Oniguruma (Hugging Face) and llama.cpp's own tables.
enum ScalarClass: UInt8 {
    case letter, number, whitespace, other

    init(_ s: Unicode.Scalar) {
        if s.value < 128 {
            self = ScalarClass.ascii[Int(s.value)]
            return
        }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            self = .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            self = .number
        default:
            self = s.properties.isWhitespace ? .whitespace : .other
        }
    }

    private static let ascii: [ScalarClass] = (0..<128).map { v in
        switch UInt8(v) {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): return .letter
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        case 0x09...0x0D, 0x20: return .whitespace
        default: return .other
        }
    }
}
