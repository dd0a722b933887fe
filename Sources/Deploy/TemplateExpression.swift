import YAML

/// The two small expression forms a template may use, on purpose no more than this.
///
/// A condition (`kvdeck/when:`) is `name`, `!name`, `name == word` or `name != word`: a bare name
/// is true for `true`, a non-empty string or list, a non-zero number.
///
/// A rule (values.yaml `rules:`) compares two sums of products of integer parameters and literals:
/// `tensorParallel * pipelineParallel == gpusPerNode * nodes`, `minReplicas <= maxReplicas`,
/// `stableWeight + canaryWeight >= 1`.
enum TemplateExpression {
    static func condition(_ text: String, values: [String: JSONValue]) throws -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for op in ["==", "!="] {
            if let range = trimmed.range(of: op) {
                let name = trimmed[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
                let word = trimmed[range.upperBound...].trimmingCharacters(in: .whitespaces)
                let equal = TemplateParameter.text(try lookup(name, values)) == word
                return op == "==" ? equal : !equal
            }
        }
        if trimmed.hasPrefix("!") {
            return !truthy(try lookup(trimmed.dropFirst().trimmingCharacters(in: .whitespaces), values))
        }
        return truthy(try lookup(trimmed, values))
    }

    static func rule(_ text: String, values: [String: JSONValue]) throws -> Bool {
        for op in ["==", "!=", "<=", ">=", "<", ">"] {
            guard let range = text.range(of: op) else { continue }
            let left = try sum(String(text[..<range.lowerBound]), values)
            let right = try sum(String(text[range.upperBound...]), values)
            switch op {
            case "==": return left == right
            case "!=": return left != right
            case "<=": return left <= right
            case ">=": return left >= right
            case "<": return left < right
            default: return left > right
            }
        }
        throw ExpressionError(message: "no comparison in \"\(text)\"")
    }

    private static func sum(_ text: String, _ values: [String: JSONValue]) throws -> Int64 {
        try text.split(separator: "+").reduce(0) { $0 + (try product(String($1), values)) }
    }

    private static func product(_ text: String, _ values: [String: JSONValue]) throws -> Int64 {
        var result: Int64 = 1
        for term in text.split(separator: "*") {
            let word = term.trimmingCharacters(in: .whitespaces)
            if let literal = Int64(word) {
                result *= literal
            } else {
                guard let number = try lookup(word, values).intValue else {
                    throw ExpressionError(message: "\(word) is not an integer parameter")
                }
                result *= number
            }
        }
        return result
    }

    private static func lookup(_ name: String, _ values: [String: JSONValue]) throws -> JSONValue {
        guard let value = values[name] else { throw ExpressionError(message: "unknown parameter \(name)") }
        return value
    }

    static func truthy(_ value: JSONValue) -> Bool {
        switch value {
        case .null: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .array(let a): return !a.isEmpty
        case .object(let o): return !o.isEmpty
        }
    }
}

struct ExpressionError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
