import Foundation
import YAML

/// Request bodies in Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`), as far
/// as kubectl sends them: its typed commands post protobuf, e.g. `kubectl create namespace NAME`
/// (recorded in `02-deployment-rollout/00-create-namespace`), `kubectl auth can-i` and `kubectl auth
/// whoami` (`10-access-reviews`). The `k8s\0` envelope (`runtime.Unknown`) is decoded, then one of:
/// a Namespace (the `ObjectMeta` fields a create carries: name, generateName, labels, annotations,
/// finalizers; and spec.finalizers), a SelfSubjectAccessReview (its resource or non-resource
/// attributes) or a SelfSubjectReview (nothing to read). Responses stay JSON, which kubectl also
/// accepts (it sends `Accept: application/vnd.kubernetes.protobuf,application/json`).
enum ProtobufBody {
    static let contentType = "application/vnd.kubernetes.protobuf"

    enum DecodeError: Error, CustomStringConvertible {
        case malformed(String)
        case unsupportedKind(String)

        var description: String {
            switch self {
            case .malformed(let what): return "malformed protobuf: \(what)"
            case .unsupportedKind(let kind): return "protobuf bodies are accepted for Namespace, SelfSubjectAccessReview and SelfSubjectReview only, not \(kind); send JSON"
            }
        }
    }

    /// The object as JSON, from a protobuf body.
    static func decode(_ data: Data) throws -> JSONValue {
        let bytes = [UInt8](data)
        guard bytes.count >= 4, bytes[0..<4] == [0x6B, 0x38, 0x73, 0x00] else { throw DecodeError.malformed("no k8s envelope") }
        var apiVersion = "", kind = ""
        var raw: [UInt8] = []
        for field in try fields(bytes[4...]) {
            switch field.number {
            case 1:
                for typeField in try fields(field.bytes) {
                    if typeField.number == 1 { apiVersion = typeField.string }
                    if typeField.number == 2 { kind = typeField.string }
                }
            case 2: raw = Array(field.bytes)
            default: break
            }
        }
        switch (apiVersion, kind) {
        case ("v1", "Namespace"): return try namespace(raw[...])
        case ("authorization.k8s.io/v1", "SelfSubjectAccessReview"): return try accessReview(raw[...])
        case ("authentication.k8s.io/v1", "SelfSubjectReview"):
            return ["apiVersion": .string(apiVersion), "kind": .string(kind), "metadata": .object(JSONObject())]
        default: throw DecodeError.unsupportedKind(kind.isEmpty ? "(no kind)" : kind)
        }
    }

    /// `SelfSubjectAccessReview`: spec (2) holds resourceAttributes (1: namespace, verb, group,
    /// version, resource, subresource, name as fields 1 to 7) or nonResourceAttributes (2: path,
    /// verb). Empty strings are left out, as the JSON a client sends leaves them out.
    private static func accessReview(_ raw: ArraySlice<UInt8>) throws -> JSONValue {
        var spec = JSONObject()
        for field in try fields(raw) where field.number == 2 {
            for attributes in try fields(field.bytes) {
                let names: [UInt64: String]
                switch attributes.number {
                case 1: names = [1: "namespace", 2: "verb", 3: "group", 4: "version", 5: "resource", 6: "subresource", 7: "name"]
                case 2: names = [1: "path", 2: "verb"]
                default: continue
                }
                var object = JSONObject()
                for value in try fields(attributes.bytes) {
                    if let name = names[value.number], !value.string.isEmpty { object[name] = .string(value.string) }
                }
                spec[attributes.number == 1 ? "resourceAttributes" : "nonResourceAttributes"] = .object(object)
            }
        }
        return ["apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                "metadata": .object(JSONObject()), "spec": .object(spec)]
    }

    private static func namespace(_ raw: ArraySlice<UInt8>) throws -> JSONValue {
        var object: JSONObject = ["apiVersion": "v1", "kind": "Namespace"]
        var metadata = JSONObject()
        for field in try fields(raw) {
            switch field.number {
            case 1: metadata = try objectMeta(field.bytes)
            case 2:
                let finalizers = try fields(field.bytes).filter { $0.number == 1 }.map { JSONValue.string($0.string) }
                if !finalizers.isEmpty { object["spec"] = ["finalizers": .array(finalizers)] }
            default: break  // status: ignored on create
            }
        }
        object["metadata"] = .object(metadata)
        return .object(object)
    }

    private static func objectMeta(_ bytes: ArraySlice<UInt8>) throws -> JSONObject {
        var metadata = JSONObject()
        var labels = JSONObject(), annotations = JSONObject()
        var finalizers: [JSONValue] = []
        for field in try fields(bytes) {
            switch field.number {
            case 1 where !field.string.isEmpty: metadata["name"] = .string(field.string)
            case 2 where !field.string.isEmpty: metadata["generateName"] = .string(field.string)
            case 11, 12:
                var key = "", value = ""
                for entry in try fields(field.bytes) {
                    if entry.number == 1 { key = entry.string }
                    if entry.number == 2 { value = entry.string }
                }
                if field.number == 11 { labels[key] = .string(value) } else { annotations[key] = .string(value) }
            case 14: finalizers.append(.string(field.string))
            default: break
            }
        }
        if !labels.entries.isEmpty { metadata["labels"] = .object(labels) }
        if !annotations.entries.isEmpty { metadata["annotations"] = .object(annotations) }
        if !finalizers.isEmpty { metadata["finalizers"] = .array(finalizers) }
        return metadata
    }

    struct Field {
        let number: UInt64
        /// The payload of a length-delimited field; empty for the other wire types.
        let bytes: ArraySlice<UInt8>
        var string: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// The fields of one message, in order.
    static func fields(_ bytes: ArraySlice<UInt8>) throws -> [Field] {
        var fields: [Field] = []
        var index = bytes.startIndex
        func varint() throws -> UInt64 {
            var value: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard index < bytes.endIndex, shift < 64 else { throw DecodeError.malformed("truncated varint") }
                let byte = bytes[index]
                index += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
        }
        while index < bytes.endIndex {
            let key = try varint()
            switch key & 7 {
            case 0: _ = try varint(); fields.append(Field(number: key >> 3, bytes: []))
            case 1, 5:
                let width = key & 7 == 1 ? 8 : 4
                guard bytes.endIndex - index >= width else { throw DecodeError.malformed("truncated fixed field") }
                index += width
                fields.append(Field(number: key >> 3, bytes: []))
            case 2:
                let length = try varint()
                guard length <= UInt64(bytes.endIndex - index) else { throw DecodeError.malformed("field longer than the message") }
                let end = index + Int(length)
                fields.append(Field(number: key >> 3, bytes: bytes[index..<end]))
                index = end
            default: throw DecodeError.malformed("wire type \(key & 7)")
            }
        }
        return fields
    }
}
