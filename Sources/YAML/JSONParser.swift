import Foundation

/// Why a JSON text could not be read, and where.
///
/// `offset` is a 0-based byte offset into the UTF-8 input; `line` and `column` are 1-based, the
/// column counted in Unicode scalars from the start of the line.
public struct JSONParseError: Error, CustomStringConvertible, Sendable, Equatable {
    public var offset: Int
    public var line: Int
    public var column: Int
    /// What the parser wanted at that point, e.g. "',' or '}' after an object member".
    public var expected: String
    /// What it found instead, e.g. "'x'", "end of input", "byte 0xff".
    public var found: String

    public init(offset: Int, line: Int, column: Int, expected: String, found: String) {
        self.offset = offset
        self.line = line
        self.column = column
        self.expected = expected
        self.found = found
    }

    public var description: String {
        "invalid JSON at line \(line), column \(column) (byte \(offset)): expected \(expected), found \(found)"
    }
}

extension JSONValue {
    /// The most deeply nested arrays/objects the parser accepts; deeper input is an error rather
    /// than a stack overflow.
    public static let maximumJSONNestingDepth = 512

    /// Parses one JSON value (RFC 8259). Anything but whitespace after the value is an error.
    /// Integers without fraction or exponent that fit in Int64 become `.int`; other numbers `.double`.
    /// A leading UTF-8 byte-order mark is skipped. Duplicate object keys: the last one wins (as in Go).
    public init(json data: Data) throws {
        self = try data.withUnsafeBytes { raw in
            try JSONParser.parse(UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: UInt8.self),
                                                     count: raw.count))
        }
    }

    /// Parses one JSON value from a string; see `init(json: Data)`.
    public init(json string: String) throws {
        var s = string
        self = try s.withUTF8 { try JSONParser.parse($0) }
    }
}

/// A recursive-descent parser over UTF-8 bytes. The input must stay alive while it runs.
struct JSONParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var pos: Int = 0
    private var depth: Int = 0
    /// Reused for strings with escapes.
    private var scratch: [UInt8] = []

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws -> JSONValue {
        var p = JSONParser(bytes)
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { p.pos = 3 }
        p.skipWhitespace()
        let v = try p.parseValue()
        p.skipWhitespace()
        if p.pos < bytes.count { throw p.error(expected: "end of input after the value") }
        return v
    }

    // MARK: Errors

    private func error(expected: String, at offset: Int? = nil) -> JSONParseError {
        let off = min(offset ?? pos, bytes.count)
        let (line, column) = TextPosition.lineAndColumn(ofByte: off, in: bytes)
        let found: String
        if off >= bytes.count {
            found = "end of input"
        } else {
            let b = bytes[off]
            if b >= 0x20 && b < 0x7F {
                found = "'\(Character(Unicode.Scalar(b)))'"
            } else {
                found = "byte 0x" + (b < 16 ? "0" : "") + String(b, radix: 16)
            }
        }
        return JSONParseError(offset: off, line: line, column: column, expected: expected, found: found)
    }

    // MARK: Structure

    @inline(__always)
    private mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x0A, 0x0D, 0x09: pos += 1
            default: return
            }
        }
    }

    private mutating func parseValue() throws -> JSONValue {
        guard pos < bytes.count else { throw error(expected: "a value") }
        switch bytes[pos] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        default:
            throw error(expected: "a value")
        }
    }

    private mutating func expectLiteral(_ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        let w = word.utf8Start
        for i in 0..<n {
            if pos + i >= bytes.count || bytes[pos + i] != w[i] {
                throw error(expected: "'\(word)'", at: pos + i)
            }
        }
        pos += n
    }

    private mutating func enter() throws {
        depth += 1
        if depth > JSONValue.maximumJSONNestingDepth {
            throw error(expected: "at most \(JSONValue.maximumJSONNestingDepth) levels of nesting")
        }
    }

    private mutating func parseObject() throws -> JSONValue {
        try enter()
        pos += 1  // {
        var object = JSONObject()
        skipWhitespace()
        if pos < bytes.count && bytes[pos] == UInt8(ascii: "}") {
            pos += 1
            depth -= 1
            return .object(object)
        }
        while true {
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else {
                throw error(expected: "a string key")
            }
            let key = try parseString()
            skipWhitespace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else {
                throw error(expected: "':' after an object key")
            }
            pos += 1
            skipWhitespace()
            object[key] = try parseValue()
            skipWhitespace()
            guard pos < bytes.count else { throw error(expected: "',' or '}' after an object member") }
            let c = bytes[pos]
            pos += 1
            if c == UInt8(ascii: ",") {
                skipWhitespace()
                continue
            }
            if c == UInt8(ascii: "}") { break }
            pos -= 1
            throw error(expected: "',' or '}' after an object member")
        }
        depth -= 1
        return .object(object)
    }

    private mutating func parseArray() throws -> JSONValue {
        try enter()
        pos += 1  // [
        var array: [JSONValue] = []
        skipWhitespace()
        if pos < bytes.count && bytes[pos] == UInt8(ascii: "]") {
            pos += 1
            depth -= 1
            return .array(array)
        }
        while true {
            array.append(try parseValue())
            skipWhitespace()
            guard pos < bytes.count else { throw error(expected: "',' or ']' after an array element") }
            let c = bytes[pos]
            pos += 1
            if c == UInt8(ascii: ",") {
                skipWhitespace()
                continue
            }
            if c == UInt8(ascii: "]") { break }
            pos -= 1
            throw error(expected: "',' or ']' after an array element")
        }
        depth -= 1
        return .array(array)
    }

    // MARK: Numbers

    private mutating func parseNumber() throws -> JSONValue {
        let start = pos
        var negative = false
        if bytes[pos] == UInt8(ascii: "-") {
            negative = true
            pos += 1
        }
        guard pos < bytes.count, isDigit(bytes[pos]) else { throw error(expected: "a digit") }
        // Accumulate the magnitude as a negative number so that Int64.min fits.
        var acc: Int64 = 0
        var overflow = false
        if bytes[pos] == UInt8(ascii: "0") {
            pos += 1
            if pos < bytes.count, isDigit(bytes[pos]) {
                throw error(expected: "'.', 'e' or the end of the number (no leading zeros)")
            }
        } else {
            while pos < bytes.count, isDigit(bytes[pos]) {
                let d = Int64(bytes[pos] &- UInt8(ascii: "0"))
                if !overflow {
                    let (m, o1) = acc.multipliedReportingOverflow(by: 10)
                    let (s, o2) = m.subtractingReportingOverflow(d)
                    if o1 || o2 { overflow = true } else { acc = s }
                }
                pos += 1
            }
        }
        var isInteger = true
        if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
            isInteger = false
            pos += 1
            guard pos < bytes.count, isDigit(bytes[pos]) else { throw error(expected: "a digit after '.'") }
            while pos < bytes.count, isDigit(bytes[pos]) { pos += 1 }
        }
        if pos < bytes.count, bytes[pos] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            pos += 1
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") { pos += 1 }
            guard pos < bytes.count, isDigit(bytes[pos]) else { throw error(expected: "a digit in the exponent") }
            while pos < bytes.count, isDigit(bytes[pos]) { pos += 1 }
        }
        if isInteger && !overflow {
            if negative { return .int(acc) }
            if acc != Int64.min { return .int(-acc) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
        guard let d = Double(text) else { throw error(expected: "a number", at: start) }
        return .double(d)
    }

    @inline(__always)
    private func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }

    // MARK: Strings

    /// At an opening quote; returns the decoded string and leaves `pos` after the closing quote.
    private mutating func parseString() throws -> String {
        pos += 1
        let start = pos
        // Fast path: no escapes, so the bytes can be copied straight into the String once validated.
        while pos < bytes.count {
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
                pos += 1
                return s
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw error(expected: "a string character (control characters must be escaped)") }
            if b < 0x80 {
                pos += 1
            } else {
                try skipMultibyte()
            }
        }
        guard pos < bytes.count else { throw error(expected: "'\"' to close the string") }
        // Slow path: decode escapes into scratch.
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<pos]))
        while pos < bytes.count {
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                pos += 1
                return String(decoding: scratch, as: UTF8.self)
            }
            if b == UInt8(ascii: "\\") {
                try parseEscape()
            } else if b < 0x20 {
                throw error(expected: "a string character (control characters must be escaped)")
            } else if b < 0x80 {
                scratch.append(b)
                pos += 1
            } else {
                let s = pos
                try skipMultibyte()
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[s..<pos]))
            }
        }
        throw error(expected: "'\"' to close the string")
    }

    /// Validates one multi-byte UTF-8 sequence at `pos` (no overlongs, no surrogates, ≤ U+10FFFF).
    @inline(__always)
    private mutating func skipMultibyte() throws {
        let b0 = bytes[pos]
        var lo: UInt8 = 0x80
        var hi: UInt8 = 0xBF
        let n: Int
        switch b0 {
        case 0xC2...0xDF: n = 1
        case 0xE0: n = 2; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: n = 2
        case 0xED: n = 2; hi = 0x9F
        case 0xF0: n = 3; lo = 0x90
        case 0xF1...0xF3: n = 3
        case 0xF4: n = 3; hi = 0x8F
        default: throw error(expected: "valid UTF-8")
        }
        guard pos + n < bytes.count else { throw error(expected: "valid UTF-8") }
        let b1 = bytes[pos + 1]
        guard b1 >= lo && b1 <= hi else { throw error(expected: "valid UTF-8") }
        var i = 2
        while i <= n {
            guard bytes[pos + i] & 0xC0 == 0x80 else { throw error(expected: "valid UTF-8") }
            i += 1
        }
        pos += n + 1
    }

    private mutating func parseEscape() throws {
        pos += 1  // backslash
        guard pos < bytes.count else { throw error(expected: "an escape character") }
        let c = bytes[pos]
        pos += 1
        switch c {
        case UInt8(ascii: "\""): scratch.append(0x22)
        case UInt8(ascii: "\\"): scratch.append(0x5C)
        case UInt8(ascii: "/"): scratch.append(0x2F)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            let escapeStart = pos - 2
            var scalar = try parseHex4()
            if scalar >= 0xD800 && scalar <= 0xDBFF {
                guard pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") else {
                    throw error(expected: "a low surrogate '\\uDC00'...'\\uDFFF' after a high surrogate", at: escapeStart)
                }
                pos += 2
                let low = try parseHex4()
                guard low >= 0xDC00 && low <= 0xDFFF else {
                    throw error(expected: "a low surrogate '\\uDC00'...'\\uDFFF' after a high surrogate", at: escapeStart)
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                throw error(expected: "a high surrogate before a low surrogate", at: escapeStart)
            }
            appendUTF8(scalar)
        default:
            pos -= 1
            throw error(expected: "one of \" \\ / b f n r t u after a backslash")
        }
    }

    private mutating func parseHex4() throws -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard pos < bytes.count else { throw error(expected: "4 hex digits after \\u") }
            let b = bytes[pos]
            let d: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
            default: throw error(expected: "4 hex digits after \\u")
            }
            v = v << 4 | UInt32(d)
            pos += 1
        }
        return v
    }

    private mutating func appendUTF8(_ v: UInt32) {
        switch v {
        case 0..<0x80:
            scratch.append(UInt8(v))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | (v >> 6)))
            scratch.append(UInt8(0x80 | (v & 0x3F)))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | (v >> 12)))
            scratch.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (v & 0x3F)))
        default:
            scratch.append(UInt8(0xF0 | (v >> 18)))
            scratch.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            scratch.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (v & 0x3F)))
        }
    }
}
