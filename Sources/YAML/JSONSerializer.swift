import Foundation

extension JSONValue {
    /// Serializes to UTF-8 JSON.
    ///
    /// Compact by default, like Go's `encoding/json` (no spaces); `pretty` indents by 2 spaces with
    /// `"key": value`. Object keys come out in the object's order. Strings escape `"`, `\` and control
    /// characters (not `/`, not non-ASCII). `.int` prints as an integer; `.double` prints with Swift's
    /// shortest round-trip `description` (so `1.0` stays `1.0` and reads back as a double).
    /// JSON has no NaN or infinity: non-finite doubles are written as `null`.
    public func jsonData(pretty: Bool = false) -> Data {
        var w = JSONWriter(pretty: pretty)
        w.write(self, indent: 0)
        return Data(w.out)
    }

    /// The same text as `jsonData(pretty:)`, as a String.
    public func jsonString(pretty: Bool = false) -> String {
        var w = JSONWriter(pretty: pretty)
        w.write(self, indent: 0)
        return String(decoding: w.out, as: UTF8.self)
    }

    /// Indented as Go's `json.MarshalIndent(v, "", "    ")` writes it, which is what `kubectl -o json`
    /// prints: `indentWidth` spaces per level and, like Go, `<`, `>` and `&` escaped as \u003c etc.
    public func jsonString(indentWidth: Int, escapingHTML: Bool) -> String {
        var w = JSONWriter(pretty: true, indentWidth: indentWidth, escapeHTML: escapingHTML)
        w.write(self, indent: 0)
        return String(decoding: w.out, as: UTF8.self)
    }
}

struct JSONWriter {
    let pretty: Bool
    let indentWidth: Int
    let escapeHTML: Bool
    var out: [UInt8] = []

    init(pretty: Bool, indentWidth: Int = 2, escapeHTML: Bool = false) {
        self.pretty = pretty
        self.indentWidth = indentWidth
        self.escapeHTML = escapeHTML
        out.reserveCapacity(1024)
    }

    mutating func write(_ v: JSONValue, indent: Int) {
        switch v {
        case .null: append("null")
        case .bool(let b): append(b ? "true" : "false")
        case .int(let i): writeInt(i)
        case .double(let d):
            if d.isFinite {
                out.append(contentsOf: d.description.utf8)
            } else {
                append("null")
            }
        case .string(let s): writeString(s)
        case .array(let a):
            if a.isEmpty {
                append("[]")
                return
            }
            out.append(UInt8(ascii: "["))
            for (i, e) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent + 1)
                write(e, indent: indent + 1)
            }
            newline(indent)
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            if o.isEmpty {
                append("{}")
                return
            }
            out.append(UInt8(ascii: "{"))
            var first = true
            for k in o.keys {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                newline(indent + 1)
                writeString(k)
                out.append(UInt8(ascii: ":"))
                if pretty { out.append(UInt8(ascii: " ")) }
                write(o.storage[k]!, indent: indent + 1)
            }
            newline(indent)
            out.append(UInt8(ascii: "}"))
        }
    }

    @inline(__always)
    private mutating func newline(_ indent: Int) {
        guard pretty else { return }
        out.append(UInt8(ascii: "\n"))
        for _ in 0..<(indent * indentWidth) { out.append(UInt8(ascii: " ")) }
    }

    @inline(__always)
    private mutating func append(_ s: StaticString) {
        out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    private mutating func writeInt(_ i: Int64) {
        if i == 0 {
            out.append(UInt8(ascii: "0"))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                      UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = i.magnitude
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buf in
            while n > 0 {
                buf[19 - count] = UInt8(truncatingIfNeeded: n % 10) + UInt8(ascii: "0")
                n /= 10
                count += 1
            }
            if i < 0 { out.append(UInt8(ascii: "-")) }
            out.append(contentsOf: buf[(20 - count)...])
        }
    }

    mutating func writeString(_ s: String) {
        var s = s
        s.withUTF8 { u in
            out.append(UInt8(ascii: "\""))
            var runStart = 0
            var i = 0
            while i < u.count {
                let b = u[i]
                if b >= 0x20 && b != 0x22 && b != 0x5C && !(escapeHTML && (b == 0x3C || b == 0x3E || b == 0x26)) {
                    i += 1
                    continue
                }
                if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: u[runStart..<i])) }
                out.append(UInt8(ascii: "\\"))
                switch b {
                case 0x22: out.append(0x22)
                case 0x5C: out.append(0x5C)
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "t"))
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    out.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                            hex[Int(b >> 4)], hex[Int(b & 0xF)]])
                }
                i += 1
                runStart = i
            }
            if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: u[runStart..<i])) }
            out.append(UInt8(ascii: "\""))
        }
    }
}
