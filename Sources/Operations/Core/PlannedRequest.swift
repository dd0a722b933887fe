import Foundation
import Kube
import YAML

/// The one write an operation will send, described completely before it is sent: the confirm
/// dialog, `--dry-run` and the audit log all show this value, and `OperationRunner` sends exactly it.
public struct PlannedRequest: Sendable, Equatable {
    public enum Method: String, Sendable {
        case patch = "PATCH", put = "PUT"
        /// A create: sent to the collection; `name` is the new object's, for messages and RBAC.
        case post = "POST"

        /// The RBAC verb a SelfSubjectAccessReview asks about.
        public var accessVerb: String {
            switch self {
            case .patch: return "patch"
            case .put: return "update"
            case .post: return "create"
            }
        }
    }

    public var method: Method
    public var type: ResourceType
    public var name: String
    public var namespace: String?
    public var subresource: String?
    /// For PATCH: which of the four patch types.
    public var patchType: PatchType?
    /// kubectl's field manager for the verb ("kubectl-rollout"), or nil where kubectl sends none.
    public var fieldManager: String?
    /// The body, byte for byte.
    public var body: Data
    /// `?dryRun=All`: the server answers with the would-be object and stores nothing.
    public var dryRun: Bool = false

    public init(method: Method, type: ResourceType, name: String, namespace: String?, subresource: String? = nil,
                patchType: PatchType? = nil, fieldManager: String? = nil, body: Data, dryRun: Bool = false) {
        self.method = method
        self.type = type
        self.name = name
        self.namespace = namespace
        self.subresource = subresource
        self.patchType = patchType
        self.fieldManager = fieldManager
        self.body = body
        self.dryRun = dryRun
    }

    public static func patch(_ type: ResourceType, name: String, namespace: String?, subresource: String? = nil,
                             _ patchType: PatchType, body: JSONValue, fieldManager: String? = nil) -> PlannedRequest {
        PlannedRequest(method: .patch, type: type, name: name, namespace: namespace, subresource: subresource,
                       patchType: patchType, fieldManager: fieldManager, body: GoJSON.data(body))
    }

    /// Creates go to a collection, everything else to the named object.
    public var path: String {
        method == .post ? type.path(namespace: namespace) : type.path(namespace: namespace, name: name, subresource: subresource)
    }

    /// A create of `object` (its `metadata.name` names the request).
    public static func create(_ type: ResourceType, namespace: String?, object: JSONValue,
                              fieldManager: String? = nil) -> PlannedRequest {
        PlannedRequest(method: .post, type: type, name: object["metadata"]?["name"]?.stringValue ?? "", namespace: namespace,
                       fieldManager: fieldManager, body: GoJSON.data(object))
    }

    /// The query items in the order the client sends them (sorted, as Go's url.Values).
    public var queryItems: [(name: String, value: String)] {
        var items: [(name: String, value: String)] = []
        if dryRun { items.append(("dryRun", "All")) }
        if let fieldManager { items.append(("fieldManager", fieldManager)) }
        return items
    }

    public var pathAndQuery: String {
        let query = QueryText.encode(queryItems)
        return query.isEmpty ? path : "\(path)?\(query)"
    }

    public var contentType: String { patchType?.contentType ?? "application/json" }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// What a confirm dialog shows: the request line, the content type, and the body.
    public var displayText: String {
        "\(method.rawValue) \(pathAndQuery)\nContent-Type: \(contentType)\n\n\(bodyText)"
    }

    /// A JSON view for `-o json` and the audit log.
    public var json: JSONValue {
        var object: JSONObject = [
            "method": .string(method.rawValue),
            "path": .string(path),
            "contentType": .string(contentType),
        ]
        let query = QueryText.encode(queryItems)
        if !query.isEmpty { object["query"] = .string(query) }
        object["body"] = (try? JSONValue(json: body)) ?? .string(bodyText)
        return .object(object)
    }
}

/// JSON as Go's encoding/json writes it on the wire: compact, keys in the given order, and `<`,
/// `>`, `&`, U+2028 and U+2029 escaped, so bodies built here are byte for byte the ones kubectl sends.
public enum GoJSON {
    public static func data(_ value: JSONValue) -> Data {
        // Those characters can only occur inside strings, so escaping them in the compact text is exact.
        var out = [UInt8]()
        let compact = value.jsonData()
        out.reserveCapacity(compact.count)
        var index = compact.startIndex
        while index < compact.endIndex {
            let byte = compact[index]
            switch byte {
            case UInt8(ascii: "<"): out += Array("\\u003c".utf8)
            case UInt8(ascii: ">"): out += Array("\\u003e".utf8)
            case UInt8(ascii: "&"): out += Array("\\u0026".utf8)
            case 0xE2 where index + 2 < compact.endIndex && compact[index + 1] == 0x80
                && (compact[index + 2] == 0xA8 || compact[index + 2] == 0xA9):
                out += Array((compact[index + 2] == 0xA8 ? "\\u2028" : "\\u2029").utf8)
                index += 2
            default: out.append(byte)
            }
            index += 1
        }
        return Data(out)
    }

    /// Keys sorted at every level, as Go marshals a map[string]interface{}.
    public static func sortedKeys(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            return .object(JSONObject(object.entries.sorted { $0.key < $1.key }.map { ($0.key, sortedKeys($0.value)) }))
        case .array(let items):
            return .array(items.map(sortedKeys))
        default:
            return value
        }
    }
}
