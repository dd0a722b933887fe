import Foundation

/// A Kubernetes resource quantity ("80Gi", "500m", "1", "1.5", "1e3", "100M").
///
/// The server sends quantities as strings in canonical form, but objects written by hand and some
/// tools send plain JSON numbers, so both decode. The original text is kept and is what encodes back,
/// because a console shows quantities as the user wrote them ("16Gi", not "17179869184").
/// The numeric value is held as a `Decimal` so that byte sizes and milli-values stay exact.
public struct Quantity: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The text as it was written or received.
    public let string: String
    /// The exact value in base units (bytes, cores, devices).
    public let decimalValue: Decimal

    /// Parses `text`; nil when it is not a Kubernetes quantity.
    public init?(_ text: String) {
        guard let value = Quantity.parse(text) else { return nil }
        self.string = text
        self.decimalValue = value
    }

    /// A whole quantity, written without a suffix ("8").
    public init(_ value: Int64) {
        self.string = String(value)
        self.decimalValue = Decimal(value)
    }

    private init(string: String, decimalValue: Decimal) {
        self.string = string
        self.decimalValue = decimalValue
    }

    public var description: String { string }

    /// The value as a Double (fine for display and ratios; not exact beyond 2^53).
    public var doubleValue: Double { NSDecimalNumber(decimal: decimalValue).doubleValue }

    /// The value rounded up to a whole number, as Kubernetes' `Quantity.Value()` does ("500m" is 1),
    /// saturating at the bounds of Int64 ("16Ei" does not fit).
    public var int64Value: Int64 { Quantity.roundedUp(decimalValue) }

    /// The value in thousandths, rounded up, as Kubernetes' `MilliValue()` ("1.5" is 1500); saturating.
    public var milliValue: Int64 { Quantity.roundedUp(decimalValue * 1000) }

    public static func < (a: Quantity, b: Quantity) -> Bool { a.decimalValue < b.decimalValue }

    /// Equal quantities are equal whatever their spelling: "1Gi" == "1024Mi", as in Kubernetes.
    public static func == (a: Quantity, b: Quantity) -> Bool { a.decimalValue == b.decimalValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(decimalValue) }

    // MARK: - Parsing

    private static let binarySuffixes: [String: Int] = ["Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6]
    private static let decimalSuffixes: [String: Int] = [
        "n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18,
    ]

    /// The grammar of resource.Quantity: `[+-]digits[.digits]` (or `.digits`), then one of
    /// a binary suffix, a decimal SI suffix, or `e`/`E` with a signed integer exponent.
    static func parse(_ text: String) -> Decimal? {
        let bytes = Array(text.utf8)
        var i = 0
        var negative = false
        if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        let numberStart = i
        var digits = 0
        var fractionDigits = 0
        var whole: UInt64 = 0  // the digits without the point, while they fit (18 digits always do)
        while i < bytes.count, isDigit(bytes[i]) {
            whole = whole &* 10 &+ UInt64(bytes[i] - UInt8(ascii: "0"))
            i += 1; digits += 1
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            while i < bytes.count, isDigit(bytes[i]) {
                whole = whole &* 10 &+ UInt64(bytes[i] - UInt8(ascii: "0"))
                i += 1; digits += 1; fractionDigits += 1
            }
        }
        guard digits > 0 else { return nil }
        let mantissa: Decimal
        if digits <= 18 {
            // The common case ("16Gi", "500m", "1.5"), exact and without a string round trip.
            mantissa = Decimal(sign: .plus, exponent: -fractionDigits, significand: Decimal(whole))
        } else if let parsed = Decimal(string: String(decoding: bytes[numberStart..<i], as: UTF8.self)) {
            // Decimal(string:) is locale-independent for "123.45" and keeps 38 significant digits.
            mantissa = parsed
        } else {
            return nil
        }
        let suffix = String(decoding: bytes[i...], as: UTF8.self)
        var value: Decimal
        if let power = binarySuffixes[suffix] {
            value = mantissa * pow(Decimal(1024), power)
        } else if let exponent = decimalSuffixes[suffix] {
            value = mantissa * Decimal(sign: .plus, exponent: exponent, significand: 1)
        } else if let exponent = scientificExponent(suffix) {
            value = mantissa * Decimal(sign: .plus, exponent: exponent, significand: 1)
        } else {
            return nil
        }
        guard !value.isNaN else { return nil }
        if negative { value.negate() }
        return value
    }

    /// "e3", "E-2", "e+6": the exponent, bounded so the Decimal stays finite.
    private static func scientificExponent(_ suffix: String) -> Int? {
        guard let first = suffix.first, first == "e" || first == "E" else { return nil }
        let rest = suffix.dropFirst()
        guard !rest.isEmpty, let exponent = Int(rest), abs(exponent) <= 100 else { return nil }
        return exponent
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    /// `value` rounded up to a whole number, saturating at the bounds of Int64.
    public static func roundedUp(_ value: Decimal) -> Int64 {
        var input = value
        var rounded = Decimal()
        NSDecimalRound(&rounded, &input, 0, .up)
        if rounded >= Decimal(Int64.max) { return .max }
        if rounded <= Decimal(Int64.min) { return .min }
        return NSDecimalNumber(decimal: rounded).int64Value
    }
}

extension Quantity: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            guard let value = Quantity.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "\"\(text)\" is not a Kubernetes quantity")
            }
            self.init(string: text, decimalValue: value)
            return
        }
        // A bare JSON number: keep integers exact, and spell the number back as written.
        if let whole = try? container.decode(Int64.self) {
            self.init(whole)
            return
        }
        let number = try container.decode(Double.self)
        guard number.isFinite, let value = Decimal(string: String(number)) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(number) is not a quantity")
        }
        self.init(string: String(number), decimalValue: value)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(string)
    }
}
