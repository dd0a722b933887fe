import Foundation
import Kube
import YAML

/// One parameter of a template, as its values.yaml declares it.
public struct TemplateParameter: Sendable, Equatable {
    /// What text a parameter accepts and which JSON type it becomes in the manifests. The type,
    /// not the look of the text, decides: `--set threshold=5` on a quantity stays the string "5".
    public enum Kind: String, Sendable, CaseIterable {
        case string, int, number, bool
        /// An object name: a DNS-1035 label short enough for the suffixes templates add.
        case name
        /// A Kubernetes resource quantity ("100Gi", "500m", "4").
        case quantity
        /// A list of words (command-line arguments), split on whitespace.
        case args
    }

    /// Names get suffixes such as "-weights" and "-canary"; Service names stop at 63 characters.
    public static let maximumNameLength = 47

    public var name: String
    public var kind: Kind
    public var defaultValue: JSONValue
    public var description: String
    /// The only values allowed, when the template lists them.
    public var allowed: [String]?
    public var minimum: Int64?
    public var maximum: Int64?
    /// Empty means "leave the field out": the value becomes null and the renderer drops it.
    public var optional: Bool
    /// Never printed back (tokens): not in `--list` defaults, not in error messages.
    public var secret: Bool

    /// The typed value of `text` (from `--set`), checked against this parameter's constraints.
    public func value(parsing text: String) throws -> JSONValue {
        if optional && text.isEmpty { return .null }
        let value: JSONValue
        switch kind {
        case .string, .name, .quantity:
            value = .string(text)
        case .int:
            guard let i = Int64(text.trimmingCharacters(in: .whitespaces)) else { throw invalid("\"\(shown(text))\" is not an integer") }
            value = .int(i)
        case .number:
            guard let d = Double(text.trimmingCharacters(in: .whitespaces)), d.isFinite else {
                throw invalid("\"\(shown(text))\" is not a number")
            }
            value = .double(d)
        case .bool:
            switch text.lowercased() {
            case "true", "yes", "1", "on": value = .bool(true)
            case "false", "no", "0", "off": value = .bool(false)
            default: throw invalid("\"\(shown(text))\" is not true or false")
            }
        case .args:
            value = .array(text.split(whereSeparator: \.isWhitespace).map { .string(String($0)) })
        }
        try check(value)
        return value
    }

    /// Brings a default read from YAML to this parameter's type ("4" for a quantity declared as 4).
    func coerce(_ value: JSONValue) throws -> JSONValue {
        switch (kind, value) {
        case (_, .null) where optional: return .null
        case (.int, .int), (.bool, .bool), (.number, .double), (.args, .array): return value
        case (.number, .int(let i)): return .double(Double(i))
        case (.string, .int(let i)), (.quantity, .int(let i)), (.name, .int(let i)): return .string(String(i))
        case (.string, .double(let d)), (.quantity, .double(let d)): return .string(String(d))
        case (.string, .bool(let b)): return .string(b ? "true" : "false")
        case (.string, .string), (.name, .string), (.quantity, .string): return value
        case (.args, .string(let s)): return try self.value(parsing: s)
        default: throw invalid("the default \(value.jsonString()) is not a \(kind.rawValue)")
        }
    }

    /// The per-parameter constraints: format, allowed values, range.
    func check(_ value: JSONValue) throws {
        if value.isNull {
            if optional { return }
            throw invalid("a value is required")
        }
        if let text = value.stringValue {
            if kind == .name, let problem = Self.nameProblem(text) { throw invalid(problem) }
            if kind == .quantity, Quantity(text) == nil { throw invalid("\"\(text)\" is not a quantity such as 100Gi, 500m or 4") }
            if let allowed, !allowed.contains(text) {
                throw invalid("\"\(shown(text))\" is not one of \(allowed.joined(separator: ", "))")
            }
        }
        if let i = value.intValue, kind == .int {
            if let minimum, i < minimum { throw invalid("\(i) is below the minimum \(minimum)") }
            if let maximum, i > maximum { throw invalid("\(i) is above the maximum \(maximum)") }
        }
        if let d = value.doubleValue, kind == .number {
            if let minimum, d < Double(minimum) { throw invalid("\(d) is below the minimum \(minimum)") }
            if let maximum, d > Double(maximum) { throw invalid("\(d) is above the maximum \(maximum)") }
        }
    }

    /// Why `text` cannot name the objects (DNS-1035 label, room left for suffixes), or nil.
    static func nameProblem(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return "a name cannot be empty" }
        if bytes.count > maximumNameLength { return "\"\(text)\" is longer than \(maximumNameLength) characters" }
        let lower = { (b: UInt8) in b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z") }
        let digit = { (b: UInt8) in b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        guard lower(bytes[0]), lower(bytes.last!) || digit(bytes.last!),
              bytes.allSatisfy({ lower($0) || digit($0) || $0 == UInt8(ascii: "-") }) else {
            return "\"\(text)\" must be lower-case letters, digits and '-', start with a letter and end with a letter or digit"
        }
        return nil
    }

    private func shown(_ text: String) -> String { secret ? "<redacted>" : text }

    private func invalid(_ reason: String) -> DeployError { .invalidValue(parameter: name, reason: reason) }
}

extension TemplateParameter {
    /// Reads one entry of values.yaml's `parameters:` mapping.
    init(name: String, spec: JSONValue, template: String) throws {
        guard spec.objectValue != nil else {
            throw DeployError.templateDefect(template: template, problem: "parameter \(name) is not a mapping")
        }
        let typeName = spec["type"]?.stringValue ?? "string"
        guard let kind = Kind(rawValue: typeName) else {
            throw DeployError.templateDefect(template: template, problem: "parameter \(name) has unknown type \(typeName)")
        }
        self.name = name
        self.kind = kind
        self.description = spec["description"]?.stringValue ?? ""
        self.allowed = spec["allowed"]?.arrayValue?.map { $0.stringValue ?? $0.jsonString() }
        self.minimum = spec["minimum"]?.intValue
        self.maximum = spec["maximum"]?.intValue
        self.optional = spec["optional"]?.boolValue ?? false
        self.secret = spec["secret"]?.boolValue ?? false
        self.defaultValue = .null
        do {
            defaultValue = try coerce(spec["default"] ?? .null)
            try check(defaultValue)
        } catch let error as DeployError {
            throw DeployError.templateDefect(template: template, problem: "default of \(name): \(error)")
        }
    }

    /// The default as `--list` shows it.
    public var defaultText: String {
        if secret { return defaultValue.stringValue?.isEmpty == false ? "<set>" : "\"\"" }
        return Self.text(defaultValue)
    }

    /// A value as it reads in a manifest string, in `--list` or in the console's form.
    public static func text(_ value: JSONValue) -> String {
        switch value {
        case .null: return ""
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .bool(let b): return b ? "true" : "false"
        case .array(let a): return a.map(text).joined(separator: " ")
        case .object: return value.jsonString()
        }
    }
}
