/// How plain (unquoted) scalars are read: the YAML 1.2 core schema. The writer also asks
/// `readsAsNonString` (core schema) and `yaml11ReadsAsNonString` (YAML 1.1, what kubectl's
/// go-yaml v2 and PyYAML use) to decide when a string must be quoted.
enum YAMLScalarResolution {
    /// The core-schema value of a plain scalar.
    static func resolvePlain(_ s: String) -> JSONValue {
        if let v = resolveNull(s) ?? resolveBool(s) { return v }
        if let v = resolveInt(s) { return v }
        if let v = resolveFloat(s) { return v }
        return .string(s)
    }

    static func resolveNull(_ s: String) -> JSONValue? {
        switch s {
        case "", "~", "null", "Null", "NULL": return .null
        default: return nil
        }
    }

    static func resolveBool(_ s: String) -> JSONValue? {
        switch s {
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: return nil
        }
    }

    /// `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`. A decimal too big for Int64 becomes a double;
    /// a hex or octal one is not an int (it stays a string).
    static func resolveInt(_ s: String) -> JSONValue? {
        let u = Array(s.utf8)
        guard !u.isEmpty else { return nil }
        if u.count > 2, u[0] == UInt8(ascii: "0"), u[1] == UInt8(ascii: "o") || u[1] == UInt8(ascii: "x") {
            let radix = u[1] == UInt8(ascii: "o") ? 8 : 16
            guard let v = Int64(String(decoding: u[2...], as: UTF8.self), radix: radix),
                  u[2...].allSatisfy({ $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "-") }) else { return nil }
            return .int(v)
        }
        var i = 0
        if u[0] == UInt8(ascii: "+") || u[0] == UInt8(ascii: "-") { i = 1 }
        guard i < u.count, u[i...].allSatisfy(isDigit) else { return nil }
        if let v = Int64(s) { return .int(v) }  // Int64("+5") == 5
        return Double(s).map(JSONValue.double)
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, `[-+]?\.(inf|Inf|INF)`, `\.(nan|NaN|NAN)`.
    static func resolveFloat(_ s: String) -> JSONValue? {
        switch s {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: break
        }
        guard matchesCoreFloat(Array(s.utf8)) else { return nil }
        return Double(s).map(JSONValue.double)
    }

    private static func matchesCoreFloat(_ u: [UInt8]) -> Bool {
        var i = 0
        if i < u.count, u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") { i += 1 }
        let intStart = i
        while i < u.count, isDigit(u[i]) { i += 1 }
        let intDigits = i - intStart
        var fracDigits = 0
        if i < u.count, u[i] == UInt8(ascii: ".") {
            i += 1
            let fs = i
            while i < u.count, isDigit(u[i]) { i += 1 }
            fracDigits = i - fs
            // `.` needs digits on at least one side; `1.` is allowed, `.5` is allowed, `.` is not.
            if intDigits == 0 && fracDigits == 0 { return false }
        } else if intDigits == 0 {
            return false
        }
        if i < u.count, u[i] == UInt8(ascii: "e") || u[i] == UInt8(ascii: "E") {
            i += 1
            if i < u.count, u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") { i += 1 }
            let es = i
            while i < u.count, isDigit(u[i]) { i += 1 }
            if i == es { return false }
        }
        return i == u.count
    }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }

    // MARK: For the writer

    /// True when a plain scalar with this text would not read back as this string in the core schema.
    static func readsAsNonString(_ s: String) -> Bool {
        if case .string = resolvePlain(s) { return false }
        return true
    }

    /// True when a YAML 1.1 reader (go-yaml v2, PyYAML) would read this plain text as something
    /// other than a string: bools (y/n/yes/no/on/off in any usual case), null, ints in any base
    /// (`0755`, `0b101`, `1_000`, `190:20:30`), floats (`1.5`, `.5`, `1_0.5`, `6.8e+5`), `.inf`, `.nan`,
    /// timestamps (`2001-12-14`), the merge key `<<` and the value key `=`. Errs on the side of true.
    static func yaml11ReadsAsNonString(_ s: String) -> Bool {
        switch s {
        case "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
             "true", "True", "TRUE", "false", "False", "FALSE",
             "on", "On", "ON", "off", "Off", "OFF",
             "", "~", "null", "Null", "NULL", "<<", "=":
            return true
        default:
            break
        }
        let u = Array(s.utf8)
        guard let first = u.first else { return true }
        // Everything numeric-looking or timestamp-looking starts with a digit, a sign or a dot.
        guard isDigit(first) || first == UInt8(ascii: "+") || first == UInt8(ascii: "-") || first == UInt8(ascii: ".") else {
            return false
        }
        let lower = s.lowercased()
        if [".inf", "+.inf", "-.inf", ".nan"].contains(lower) { return true }
        // 1.1's number forms: ints in bases 2, 8, 10, 16 and base 60, floats, all with '_' allowed.
        // Any text made only of those characters is quoted; this costs a few quotes on odd strings
        // like "1-2", never a wrong read.
        var body = u[...]
        if let f = body.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") { body = body.dropFirst() }
        if body.count > 2, body.first == UInt8(ascii: "0"),
           [UInt8(ascii: "x"), UInt8(ascii: "X"), UInt8(ascii: "b"), UInt8(ascii: "o")].contains(body[body.startIndex + 1]) {
            let digits = body.dropFirst(2)
            if digits.allSatisfy({ isDigit($0) || $0 == UInt8(ascii: "_") || ($0 | 0x20 >= UInt8(ascii: "a") && $0 | 0x20 <= UInt8(ascii: "f")) }) {
                return true
            }
        }
        let numberish = u.allSatisfy { b in
            isDigit(b) || b == UInt8(ascii: "+") || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") ||
                b == UInt8(ascii: "_") || b == UInt8(ascii: ":") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E")
        }
        if numberish { return true }
        // Timestamps: yyyy-mm-dd, optionally followed by a time part.
        if u.count >= 8, u[0..<4].allSatisfy(isDigit), u[4] == UInt8(ascii: "-") { return true }
        return false
    }
}
