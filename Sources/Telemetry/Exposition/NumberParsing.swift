/// Reads a sample value, timestamp or `le` bound from UTF-8 bytes, as Go's `strconv.ParseFloat` does
/// for the decimal forms Prometheus writes: `1`, `-2.5`, `.5`, `1e-3`, `7.557572e+06`, `NaN`, `+Inf`,
/// `-Inf` (case-insensitive, `Infinity` too). Hex floats and anything else are refused (nil).
enum NumberParsing {
    private static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    static func parseDouble(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        let count = bytes.count
        if count == 0 || count > 400 { return nil }
        var index = 0
        var negative = false
        let first = bytes[0]
        if first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            negative = first == UInt8(ascii: "-")
            index = 1
            if index == count { return nil }
        }
        let lead = bytes[index] | 0x20  // ASCII lower case
        if lead == UInt8(ascii: "n") || lead == UInt8(ascii: "i") {
            return special(bytes, from: index, negative: negative, signed: index == 1)
        }

        // Clinger's fast path: up to 15 significant digits and a power of ten up to 22 are exact.
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var digitsSeen = 0
        var decimalExponent = 0
        var sawDot = false
        var exact = true
        while index < count {
            let byte = bytes[index]
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                digitsSeen += 1
                if mantissa == 0 && byte == UInt8(ascii: "0") {
                    if sawDot { decimalExponent -= 1 }
                } else if significantDigits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(byte &- UInt8(ascii: "0"))
                    significantDigits += 1
                    if sawDot { decimalExponent -= 1 }
                } else {
                    exact = false
                    if !sawDot { decimalExponent += 1 }
                }
            } else if byte == UInt8(ascii: ".") {
                if sawDot { return nil }
                sawDot = true
            } else {
                break
            }
            index += 1
        }
        if digitsSeen == 0 { return nil }
        if index < count {
            let byte = bytes[index] | 0x20
            guard byte == UInt8(ascii: "e") else { return nil }
            index += 1
            var exponentNegative = false
            if index < count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            var exponent = 0
            var exponentDigits = 0
            while index < count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                if exponent < 100_000 { exponent = exponent * 10 + Int(bytes[index] - UInt8(ascii: "0")) }
                exponentDigits += 1
                index += 1
            }
            if exponentDigits == 0 || index != count { return nil }
            decimalExponent += exponentNegative ? -exponent : exponent
        }
        if exact && significantDigits <= 15 && decimalExponent >= -22 && decimalExponent <= 22 {
            var value = Double(mantissa)
            if decimalExponent < 0 { value /= exactPowersOfTen[-decimalExponent] }
            else { value *= exactPowersOfTen[decimalExponent] }
            return negative ? -value : value
        }
        if mantissa == 0 { return negative ? -0.0 : 0.0 }
        // Slow path: the standard library's correctly rounded conversion on an already validated token.
        return Double(String(decoding: bytes, as: UTF8.self))
    }

    private static func special(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, negative: Bool,
                                signed: Bool) -> Double? {
        var word: [UInt8] = []
        word.reserveCapacity(8)
        for index in start..<bytes.count { word.append(bytes[index] | 0x20) }
        switch word {
        case Array("nan".utf8): return signed ? nil : .nan  // Go refuses "+NaN"
        case Array("inf".utf8), Array("infinity".utf8): return negative ? -.infinity : .infinity
        default: return nil
        }
    }
}
