import Foundation
import YAML

/// A parsed `labelSelector`: requirements that all must hold, with the operators the real
/// server accepts (=, ==, !=, in, notin, exists, !key).
public struct LabelSelectorQuery: Sendable, Equatable {
    public enum Operator: Sendable, Equatable { case equals, notEquals, isIn, notIn, exists, doesNotExist }
    public struct Requirement: Sendable, Equatable {
        public var key: String
        public var op: Operator
        public var values: [String]
    }
    public var requirements: [Requirement]

    /// Parses as k8s.io/apimachinery's labels.Parse does; the error text is the real server's.
    public init(parsing text: String) throws(APIStatusError) {
        var lexer = SelectorLexer(text)
        var parsed: [Requirement] = []
        func fail(_ message: String) -> APIStatusError {
            .badRequest("unable to parse requirement: \(message)")
        }
        while true {
            var token = lexer.next()
            if token == .end { break }
            var negated = false
            if token == .bang {
                negated = true
                token = lexer.next()
            }
            guard case .identifier(let key) = token else {
                throw fail("found '\(token.literal)', expected: !, identifier or 'end of string'")
            }
            if negated {
                parsed.append(Requirement(key: key, op: .doesNotExist, values: []))
            } else {
                let opToken = lexer.peek()
                switch opToken {
                case .end, .comma:
                    parsed.append(Requirement(key: key, op: .exists, values: []))
                case .equals, .doubleEquals, .notEquals:
                    _ = lexer.next()
                    let valueToken = lexer.peek()
                    var value = ""
                    switch valueToken {
                    case .end, .comma: break
                    case .identifier(let v): value = v; _ = lexer.next()
                    default: throw fail("found '\(valueToken.literal)', expected: identifier")
                    }
                    parsed.append(Requirement(key: key, op: opToken == .notEquals ? .notEquals : .equals, values: [value]))
                case .identifier("in"), .identifier("notin"):
                    _ = lexer.next()
                    guard lexer.next() == .openParen else { throw fail("found '\(lexer.lastLiteral)', expected: '('") }
                    var values: [String] = []
                    loop: while true {
                        let t = lexer.next()
                        switch t {
                        case .identifier(let v): values.append(v)
                        case .comma: continue
                        case .closeParen: break loop
                        default: throw fail("found '\(t.literal)', expected: ',', or identifier")
                        }
                    }
                    parsed.append(Requirement(key: key, op: opToken == .identifier("in") ? .isIn : .notIn, values: values))
                default:
                    throw fail("found '\(opToken.literal)', expected: in, notin, =, ==, !=, gt, lt")
                }
            }
            let separator = lexer.next()
            if separator == .end { break }
            guard separator == .comma else { throw fail("found '\(separator.literal)', expected: ',' or 'end of string'") }
        }
        requirements = parsed
    }

    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { r in
            let value = labels[r.key]
            switch r.op {
            case .equals: return value == r.values.first
            case .notEquals: return value != r.values.first
            case .isIn: return value.map { r.values.contains($0) } ?? false
            case .notIn: return value.map { !r.values.contains($0) } ?? true
            case .exists: return value != nil
            case .doesNotExist: return value == nil
            }
        }
    }

    public func matches(object: JSONValue) -> Bool {
        var labels: [String: String] = [:]
        for (k, v) in object["metadata"]?["labels"]?.objectValue?.entries ?? [] { labels[k] = v.stringValue ?? "" }
        return matches(labels)
    }
}

private enum SelectorToken: Equatable {
    case identifier(String), equals, doubleEquals, notEquals, bang, openParen, closeParen, comma, end
    var literal: String {
        switch self {
        case .identifier(let s): return s
        case .equals: return "="
        case .doubleEquals: return "=="
        case .notEquals: return "!="
        case .bang: return "!"
        case .openParen: return "("
        case .closeParen: return ")"
        case .comma: return ","
        case .end: return ""
        }
    }
}

private struct SelectorLexer {
    let chars: [Character]
    var index = 0
    var lastLiteral = ""
    init(_ text: String) { chars = Array(text) }

    mutating func peek() -> SelectorToken {
        let saved = (index, lastLiteral)
        let t = next()
        (index, lastLiteral) = saved
        return t
    }

    mutating func next() -> SelectorToken {
        while index < chars.count, chars[index].isWhitespace { index += 1 }
        guard index < chars.count else { lastLiteral = ""; return .end }
        let c = chars[index]
        let token: SelectorToken
        switch c {
        case "=":
            if index + 1 < chars.count, chars[index + 1] == "=" { index += 2; token = .doubleEquals } else { index += 1; token = .equals }
        case "!":
            if index + 1 < chars.count, chars[index + 1] == "=" { index += 2; token = .notEquals } else { index += 1; token = .bang }
        case "(": index += 1; token = .openParen
        case ")": index += 1; token = .closeParen
        case ",": index += 1; token = .comma
        default:
            var s = ""
            while index < chars.count, !chars[index].isWhitespace, !"=!(),".contains(chars[index]) {
                s.append(chars[index]); index += 1
            }
            token = .identifier(s)
        }
        lastLiteral = token.literal
        return token
    }
}

/// A parsed `fieldSelector`: `field=value`, `field==value` and `field!=value`, comma-joined,
/// over the fields the real server indexes for each kind.
public struct FieldSelectorQuery: Sendable, Equatable {
    public struct Requirement: Sendable, Equatable {
        public var field: String
        public var value: String
        public var negated: Bool
    }
    public var requirements: [Requirement]

    public init(parsing text: String, resource: ServedResource) throws(APIStatusError) {
        var parsed: [Requirement] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: true) {
            let term = String(part)
            let field: String, value: String, negated: Bool
            if let r = term.range(of: "!=") {
                (field, value, negated) = (String(term[..<r.lowerBound]), String(term[r.upperBound...]), true)
            } else if let r = term.range(of: "==") {
                (field, value, negated) = (String(term[..<r.lowerBound]), String(term[r.upperBound...]), false)
            } else if let r = term.range(of: "=") {
                (field, value, negated) = (String(term[..<r.lowerBound]), String(term[r.upperBound...]), false)
            } else {
                throw .badRequest("invalid selector: '\(text)'; can't understand '\(term)'")
            }
            let name = field.trimmingCharacters(in: .whitespaces)
            guard Self.supportedFields(resource).contains(name) else {
                throw .badRequest("field label not supported: \(name)")
            }
            parsed.append(Requirement(field: name, value: value.trimmingCharacters(in: .whitespaces), negated: negated))
        }
        requirements = parsed
    }

    static func supportedFields(_ resource: ServedResource) -> Set<String> {
        var fields: Set<String> = ["metadata.name", "metadata.namespace"]
        switch (resource.group, resource.plural) {
        case ("", "pods"):
            fields.formUnion(["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                              "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"])
        case ("", "events"):
            fields.formUnion(["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                              "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
                              "reason", "reportingComponent", "source", "type"])
        case ("", "secrets"): fields.insert("type")
        case ("", "nodes"): fields.insert("spec.unschedulable")
        case ("", "namespaces"): fields.insert("status.phase")
        case ("apps", "replicasets"): fields.insert("status.replicas")
        default: break
        }
        return fields
    }

    static func value(of field: String, in object: JSONValue) -> String {
        switch field {
        case "source": return object["source"]?["component"]?.stringValue ?? ""
        case "spec.hostNetwork": return object["spec"]?["hostNetwork"]?.boolValue == true ? "true" : "false"
        case "spec.unschedulable": return object["spec"]?["unschedulable"]?.boolValue == true ? "true" : "false"
        default:
            guard let v = object.value(at: field.split(separator: ".").map(String.init)) else { return "" }
            switch v {
            case .string(let s): return s
            case .int(let i): return String(i)
            case .bool(let b): return b ? "true" : "false"
            default: return ""
            }
        }
    }

    public func matches(_ object: JSONValue) -> Bool {
        requirements.allSatisfy { r in
            (Self.value(of: r.field, in: object) == r.value) != r.negated
        }
    }
}
