extension YAML {
    /// Writes one value as a YAML document in kubectl's `-o yaml` style: block style, 2-space
    /// indentation, sequences inside a mapping at the key's indentation, `{}` and `[]` for empty
    /// collections, keys in the object's order, a final newline.
    ///
    /// Strings are quoted (double quotes, with escapes) exactly when a YAML 1.2 core-schema reader
    /// or a YAML 1.1 reader (go-yaml v2, PyYAML) would otherwise read something else: `yes`, `on`,
    /// `~`, `null`, `0755`, `1e3`, `.5`, leading/trailing spaces, `: ` and ` #`, leading indicators,
    /// the empty string, control characters. Multi-line strings become literal blocks (`|`, `|-`,
    /// `|+`) unless a line ends in whitespace or the text has control characters. Doubles keep a
    /// decimal point (`1.0`, `1.0e+20`) and write `.inf`, `-.inf`, `.nan`.
    ///
    /// `YAML.parse(YAML.emit(v)) == v` for every value (NaN aside, which is never equal to itself).
    public static func emit(_ value: JSONValue) -> String {
        var w = YAMLWriter()
        w.writeDocument(value)
        return w.out
    }

    /// Writes several documents, each as `emit` does, separated by `---` lines.
    public static func emit(documents: [JSONValue]) -> String {
        documents.map(emit).joined(separator: "---\n")
    }
}

struct YAMLWriter {
    var out = ""

    /// YAML limits implicit keys to 1024 characters; longer ones are written as `? key`.
    private static let maximumImplicitKeyLength = 1024

    mutating func writeDocument(_ v: JSONValue) {
        switch v {
        case .object(let o) where !o.isEmpty:
            writeMapping(o, indent: 0, inline: false)
        case .array(let a) where !a.isEmpty:
            writeSequence(a, indent: 0, inline: false)
        case .string(let s) where Self.canBeLiteralBlock(s):
            writeLiteralBlock(s, contentIndent: 2)
        default:
            out += Self.scalar(v)
            out += "\n"
        }
    }

    private mutating func indent(_ n: Int) {
        out += String(repeating: " ", count: n)
    }

    /// A mapping whose keys sit at column `indent`; with `inline`, the first key follows a "- "
    /// already written.
    private mutating func writeMapping(_ o: JSONObject, indent n: Int, inline: Bool) {
        var first = true
        for key in o.keys {
            if !(first && inline) { indent(n) }
            first = false
            let keyText = Self.string(key, isKey: true)
            let explicit = keyText.count > Self.maximumImplicitKeyLength
            if explicit {
                out += "? " + keyText + "\n"
                indent(n)
            } else {
                out += keyText
            }
            out += ":"
            writeValue(o.storage[key]!, parentIndent: n)
        }
    }

    /// The value after "key:" (or after "- " when `afterDash`).
    private mutating func writeValue(_ v: JSONValue, parentIndent n: Int) {
        switch v {
        case .object(let o) where !o.isEmpty:
            out += "\n"
            writeMapping(o, indent: n + 2, inline: false)
        case .array(let a) where !a.isEmpty:
            out += "\n"
            writeSequence(a, indent: n, inline: false)
        case .string(let s) where Self.canBeLiteralBlock(s):
            out += " "
            writeLiteralBlock(s, contentIndent: n + 2)
        default:
            out += " "
            out += Self.scalar(v)
            out += "\n"
        }
    }

    /// A sequence whose dashes sit at column `indent`; with `inline`, the first dash follows a
    /// "- " already written.
    private mutating func writeSequence(_ a: [JSONValue], indent n: Int, inline: Bool) {
        var first = true
        for item in a {
            if !(first && inline) { indent(n) }
            first = false
            out += "- "
            switch item {
            case .object(let o) where !o.isEmpty:
                writeMapping(o, indent: n + 2, inline: true)
            case .array(let inner) where !inner.isEmpty:
                writeSequence(inner, indent: n + 2, inline: true)
            case .string(let s) where Self.canBeLiteralBlock(s):
                writeLiteralBlock(s, contentIndent: n + 2)
            default:
                out += Self.scalar(item)
                out += "\n"
            }
        }
    }

    // MARK: Scalars

    static func scalar(_ v: JSONValue) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return double(d)
        case .string(let s): return string(s, isKey: false)
        case .array: return "[]"
        case .object: return "{}"
        }
    }

    /// A float that reads back as a float under both schemas: always with a '.', and an exponent
    /// with a sign (YAML 1.1 needs both).
    static func double(_ d: Double) -> String {
        if d.isNaN { return ".nan" }
        if d.isInfinite { return d > 0 ? ".inf" : "-.inf" }
        var s = d.description
        if !s.contains(".") {
            if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
                s.insert(contentsOf: ".0", at: e)
            } else {
                s += ".0"
            }
        }
        return s
    }

    /// A single-line form of the string: plain when that reads back as the same string,
    /// otherwise double-quoted.
    static func string(_ s: String, isKey: Bool) -> String {
        plainIsSafe(s) ? s : doubleQuoted(s)
    }

    /// Whether `s` written plain (in block context, as a key or a value) reads back as the same
    /// string under YAML 1.2 core schema and YAML 1.1.
    static func plainIsSafe(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, let last = s.unicodeScalars.last else { return false }
        if first == " " || last == " " { return false }
        if YAMLScalarResolution.readsAsNonString(s) || YAMLScalarResolution.yaml11ReadsAsNonString(s) { return false }
        if s.hasPrefix("---") || s.hasPrefix("...") { return false }
        let scalars = Array(s.unicodeScalars)
        switch first {
        case ",", "[", "]", "{", "}", "#", "&", "*", "!", "|", ">", "'", "\"", "%", "@", "`":
            return false
        case "-", "?", ":":
            // Indicators only when followed by a space or nothing.
            if scalars.count == 1 || scalars[1] == " " { return false }
        default:
            break
        }
        if last == ":" { return false }
        var previous: Unicode.Scalar = " "
        for c in scalars {
            if needsEscape(c) || c == "\t" || c == "\n" { return false }
            if c == " " && previous == ":" { return false }
            if c == "#" && previous == " " { return false }
            previous = c
        }
        return true
    }

    /// Characters that cannot appear raw in a YAML scalar (or that some reader might treat as a
    /// line break or byte-order mark).
    static func needsEscape(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09, 0x0A: return false
        case 0..<0x20, 0x7F...0x9F: return true
        case 0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF: return true
        default: return false
        }
    }

    static func doubleQuoted(_ s: String) -> String {
        var r = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": r += "\\\""
            case "\\": r += "\\\\"
            case "\n": r += "\\n"
            case "\t": r += "\\t"
            case "\r": r += "\\r"
            case "\0": r += "\\0"
            default:
                if needsEscape(c) {
                    if c.value < 0x100 {
                        r += "\\x" + hex(c.value, width: 2)
                    } else {
                        r += "\\u" + hex(c.value, width: 4)
                    }
                } else {
                    r.unicodeScalars.append(c)
                }
            }
        }
        r += "\""
        return r
    }

    private static func hex(_ v: UInt32, width: Int) -> String {
        let h = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - h.count)) + h
    }

    // MARK: Literal blocks

    /// Multi-line text with at least one non-blank line, no line ending in whitespace and no
    /// characters that need escaping (including '\r').
    static func canBeLiteralBlock(_ s: String) -> Bool {
        guard s.contains("\n") else { return false }
        var hasContent = false
        var previous: Unicode.Scalar = "\n"
        for c in s.unicodeScalars {
            if needsEscape(c) { return false }
            if c == "\n" && (previous == " " || previous == "\t") { return false }
            if c != "\n" && c != " " && c != "\t" { hasContent = true }
            previous = c
        }
        if previous == " " || previous == "\t" { return false }
        return hasContent
    }

    /// `|`, `|-` or `|+` and the lines at `contentIndent`. An indentation indicator is added when
    /// the first non-empty line starts with whitespace (the reader could not find the indentation).
    private mutating func writeLiteralBlock(_ s: String, contentIndent: Int) {
        var lines = s.split(separator: "\n", omittingEmptySubsequences: false)
        var header = "|"
        if let firstContent = lines.first(where: { !$0.isEmpty }), firstContent.first == " " || firstContent.first == "\t" {
            header += "2"
        }
        if lines.last == "" {
            lines.removeLast()
            if lines.last == "" { header += "+" }  // more than one trailing newline: keep them all
        } else {
            header += "-"
        }
        out += header
        out += "\n"
        for line in lines {
            if !line.isEmpty {
                indent(contentIndent)
                out += line
            }
            out += "\n"
        }
    }
}
