import Foundation
import Terminal

/// Turns what the user typed after `/` into a table filter, as k9s reads it: a regular
/// expression by default (case-insensitive), `!` in front inverts it, `-l SELECTOR` keeps the
/// rows whose labels match a Kubernetes label selector.
public enum RowFilterParser {
    /// nil for an empty filter (clears it). Throws a message for an invalid regex or selector.
    public static func parse(_ input: String) throws -> TableFilter? {
        var text = Substring(input.trimmingCharacters(in: .whitespaces))
        if text.isEmpty { return nil }
        if text.hasPrefix("-l ") || text == "-l" {
            let selector = text.dropFirst(2).trimmingCharacters(in: .whitespaces)
            let query = try LabelQuery(selector)
            return TableFilter(text: input, criterion: .labels { query.matches($0) })
        }
        var inverted = false
        if text.hasPrefix("!") {
            inverted = true
            text = text.dropFirst()
            if text.isEmpty { return nil }
        }
        do {
            return TableFilter(text: input, criterion: .pattern(try TextPattern(String(text))), inverted: inverted)
        } catch {
            throw CommandLineError(message: "invalid regular expression \"\(text)\"")
        }
    }
}

/// A label selector in the query syntax (`app=vllm,tier!=canary,gpu,!spot,zone in (a,b)`),
/// matched client-side against a row's labels.
public struct LabelQuery: Sendable, Equatable {
    enum Requirement: Sendable, Equatable {
        case equals(String, String), notEquals(String, String)
        case exists(String), notExists(String)
        case `in`(String, [String]), notIn(String, [String])
    }

    let requirements: [Requirement]

    public init(_ selector: String) throws {
        guard !selector.isEmpty else { throw CommandLineError(message: "-l needs a selector, e.g. -l app=smollm2") }
        var parts: [String] = []
        var current = "", depth = 0
        for c in selector {
            if c == "(" { depth += 1 } else if c == ")" { depth -= 1 }
            if c == ",", depth == 0 { parts.append(current); current = "" } else { current.append(c) }
        }
        parts.append(current)
        requirements = try parts.map { try LabelQuery.requirement($0.trimmingCharacters(in: .whitespaces), in: selector) }
    }

    static func requirement(_ part: String, in selector: String) throws -> Requirement {
        func bad() -> CommandLineError { CommandLineError(message: "invalid label selector \"\(selector)\"") }
        func set(_ rest: Substring) throws -> [String] {
            let t = rest.trimmingCharacters(in: .whitespaces)
            guard t.hasPrefix("("), t.hasSuffix(")") else { throw bad() }
            return t.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        if part.isEmpty { throw bad() }
        if let r = part.range(of: " notin ") { return .notIn(String(part[..<r.lowerBound]), try set(part[r.upperBound...])) }
        if let r = part.range(of: " in ") { return .in(String(part[..<r.lowerBound]), try set(part[r.upperBound...])) }
        if let r = part.range(of: "!=") {
            return .notEquals(String(part[..<r.lowerBound]).trimmingCharacters(in: .whitespaces), String(part[r.upperBound...]).trimmingCharacters(in: .whitespaces))
        }
        if let r = part.range(of: "==") ?? part.range(of: "=") {
            let key = String(part[..<r.lowerBound]).trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else { throw bad() }
            return .equals(key, String(part[r.upperBound...]).trimmingCharacters(in: .whitespaces))
        }
        if part.hasPrefix("!") { return .notExists(String(part.dropFirst())) }
        guard !part.contains(" ") else { throw bad() }
        return .exists(part)
    }

    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { r in
            switch r {
            case let .equals(k, v): return labels[k] == v
            case let .notEquals(k, v): return labels[k] != v
            case let .exists(k): return labels[k] != nil
            case let .notExists(k): return labels[k] == nil
            case let .in(k, vs): return labels[k].map(vs.contains) ?? false
            case let .notIn(k, vs): return labels[k].map { !vs.contains($0) } ?? true
            }
        }
    }
}
