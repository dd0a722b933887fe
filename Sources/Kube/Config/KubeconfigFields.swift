import Foundation
import YAML

/// One mapping of a kubeconfig being read, with the file and field path that errors must name.
///
/// Reading goes through here instead of Codable so that every complaint says exactly which
/// field of which file is wrong. A null value counts as absent, as it does for client-go.
struct KubeconfigFields {
    let file: String
    /// Path of this mapping, e.g. `users[2] "alice".user`; empty at the top level.
    let path: String
    let object: JSONObject

    /// The path of a key of this mapping.
    func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func error(_ key: String, _ problem: String) -> KubeconfigError {
        .invalidField(file: file, field: fieldPath(key), problem: problem)
    }

    private func present(_ key: String) -> JSONValue? {
        guard let value = object[key], value != .null else { return nil }
        return value
    }

    func string(_ key: String) throws -> String? {
        guard let value = present(key) else { return nil }
        guard case let .string(text) = value else { throw error(key, "expected a string, found \(value.kindName)") }
        return text
    }

    /// A string that must be set and non-empty.
    func requiredString(_ key: String) throws -> String {
        guard let text = try string(key), !text.isEmpty else { throw error(key, "is required") }
        return text
    }

    func bool(_ key: String) throws -> Bool? {
        guard let value = present(key) else { return nil }
        guard case let .bool(flag) = value else { throw error(key, "expected true or false, found \(value.kindName)") }
        return flag
    }

    func stringArray(_ key: String) throws -> [String] {
        guard let value = present(key) else { return [] }
        guard case let .array(items) = value else { throw error(key, "expected a list, found \(value.kindName)") }
        return try items.enumerated().map { index, item in
            guard case let .string(text) = item else {
                throw error("\(key)[\(index)]", "expected a string, found \(item.kindName)")
            }
            return text
        }
    }

    /// A nested mapping, or nil when absent.
    func mapping(_ key: String) throws -> KubeconfigFields? {
        guard let value = present(key) else { return nil }
        guard case let .object(inner) = value else { throw error(key, "expected a mapping, found \(value.kindName)") }
        return KubeconfigFields(file: file, path: fieldPath(key), object: inner)
    }

    /// A list whose items are mappings; each comes with its own path (`key[index]`).
    func mappingList(_ key: String) throws -> [KubeconfigFields] {
        guard let value = present(key) else { return [] }
        guard case let .array(items) = value else { throw error(key, "expected a list, found \(value.kindName)") }
        return try items.enumerated().map { index, item in
            guard case let .object(inner) = item else {
                throw error("\(key)[\(index)]", "expected a mapping, found \(item.kindName)")
            }
            return KubeconfigFields(file: file, path: "\(fieldPath(key))[\(index)]", object: inner)
        }
    }

    /// A `*-data` field: base64 of bytes (Go's encoding/json writes []byte so). Line breaks and
    /// spaces are tolerated because people paste wrapped base64; anything else is an error.
    func base64Data(_ key: String) throws -> Data? {
        guard let text = try string(key) else { return nil }
        let compact = text.filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: compact) else { throw error(key, "not valid base64") }
        return data
    }

    /// A file path, made absolute against the directory of the file that names it (loader.go ResolvePaths).
    func path(_ key: String) throws -> String? {
        guard let text = try string(key), !text.isEmpty else { return nil }
        return Self.absolutePath(text, relativeTo: file)
    }

    static func absolutePath(_ path: String, relativeTo file: String) -> String {
        if path.hasPrefix("/") { return path }
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent()
        return directory.appendingPathComponent(path).standardizedFileURL.path
    }

    /// A map of string keys to strings (auth-provider config).
    func stringMap(_ key: String) throws -> [String: String] {
        guard let inner = try mapping(key) else { return [:] }
        var result: [String: String] = [:]
        for (name, _) in inner.object.entries { result[name] = try inner.string(name) ?? "" }
        return result
    }

    /// `extensions`: a list of `{name, extension}`, kept as a map from name to value.
    func namedExtensions(_ key: String) throws -> JSONObject {
        var result = JSONObject()
        for item in try mappingList(key) {
            let name = try item.requiredString("name")
            result[name] = item.object["extension"] ?? .null
        }
        return result
    }
}

extension JSONValue {
    /// What kind of value this is, for "expected X, found Y" messages (never the value itself).
    fileprivate var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int, .double: return "a number"
        case .string: return "a string"
        case .array: return "a list"
        case .object: return "a mapping"
        }
    }
}
