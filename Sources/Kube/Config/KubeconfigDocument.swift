import Foundation
import YAML

/// TEMPORARY until the `yaml` branch (libyaml `YAML.parse`) is merged: reads JSON, which is
/// also YAML, so the loader can be built and tested. Replaced by `YAML.parse` at the merge.
enum KubeconfigDocument {
    struct NotJSON: Error, CustomStringConvertible { var description: String }

    static func parse(_ text: String) throws -> JSONValue {
        if text.allSatisfy(\.isWhitespace) { return .null }
        guard let any = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else {
            throw NotJSON(description: "not valid JSON")
        }
        return convert(any)
    }

    private static func convert(_ any: Any) -> JSONValue {
        switch any {
        case let dict as [String: Any]:
            return .object(JSONObject(dict.keys.sorted().map { ($0, convert(dict[$0] ?? NSNull())) }))
        case let list as [Any]: return .array(list.map(convert))
        case let text as String: return .string(text)
        case let number as NSNumber:
            if String(cString: number.objCType) == "c" { return .bool(number.boolValue) }
            return .int(number.int64Value)
        default: return .null
        }
    }
}
