import Foundation
import YAML

/// Reading and writing unstructured objects (`JSONValue`) as JSON bodies.
///
/// This is the client's one door to JSON text for unstructured objects; it goes through
/// Foundation's decoder until the YAML module's own JSON reader (`JSONValue(json:)`) is merged,
/// after which only this file changes. Key order is not preserved by this reader, which the API
/// server does not care about.
enum UnstructuredJSON {
    static func parse(_ data: Data, context: String) throws -> JSONValue {
        do {
            return try JSONDecoder().decode(DecodedValue.self, from: data).value
        } catch {
            throw KubeClientError.undecodableResponse(context: context, detail: DecodingErrorText.describe(error))
        }
    }

    static func serialize(_ value: JSONValue) -> Data {
        var out = ""
        write(value, to: &out)
        return Data(out.utf8)
    }

    private struct DecodedValue: Decodable {
        var value: JSONValue

        private struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            if let object = try? decoder.container(keyedBy: Key.self) {
                var result = JSONObject()
                for key in object.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
                    result[key.stringValue] = try object.decode(DecodedValue.self, forKey: key).value
                }
                value = .object(result)
                return
            }
            if var array = try? decoder.unkeyedContainer() {
                var items: [JSONValue] = []
                while !array.isAtEnd { items.append(try array.decode(DecodedValue.self).value) }
                value = .array(items)
                return
            }
            let single = try decoder.singleValueContainer()
            if single.decodeNil() { value = .null }
            else if let b = try? single.decode(Bool.self) { value = .bool(b) }
            else if let i = try? single.decode(Int64.self) { value = .int(i) }
            else if let d = try? single.decode(Double.self) { value = .double(d) }
            else { value = .string(try single.decode(String.self)) }
        }
    }

    private static func write(_ value: JSONValue, to out: inout String) {
        switch value {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .int(i): out += String(i)
        case let .double(d):
            // JSON has no NaN or infinity; null is what Go's encoder refuses to produce, so it is the least surprising.
            out += d.isFinite ? (d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)") : "null"
        case let .string(s): writeString(s, to: &out)
        case let .array(items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                write(item, to: &out)
            }
            out += "]"
        case let .object(object):
            out += "{"
            for (i, entry) in object.entries.enumerated() {
                if i > 0 { out += "," }
                writeString(entry.key, to: &out)
                out += ":"
                write(entry.value, to: &out)
            }
            out += "}"
        }
    }

    private static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

/// Small read/write access into unstructured objects, for the fields the client itself needs
/// (metadata.resourceVersion, items, type/object of watch events).
extension JSONValue {
    func member(_ key: String) -> JSONValue? {
        if case let .object(o) = self { return o[key] }
        return nil
    }

    func member(path: String...) -> JSONValue? {
        path.reduce(Optional(self)) { $0?.member($1) }
    }

    var text: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    var integer: Int64? {
        switch self {
        case let .int(i): return i
        case let .double(d) where d == d.rounded(): return Int64(exactly: d)
        default: return nil
        }
    }

    /// Sets `key` on an object; no effect on other values.
    mutating func setMember(_ key: String, _ newValue: JSONValue?) {
        guard case var .object(o) = self else { return }
        o[key] = newValue
        self = .object(o)
    }
}
