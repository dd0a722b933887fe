import Foundation
import YAML

/// A JSON-schema validator for the subset Kubernetes uses: OpenAPI v3 component schemas of the
/// built-in kinds and CRDs' openAPIV3Schema (structural schemas), plus the JSON Schema renderings
/// of CRDs in datreeio's catalog.
///
/// Checked: `$ref`, `allOf`/`anyOf`/`oneOf`/`not`, `type` (with `nullable` and
/// `x-kubernetes-int-or-string`), `enum`, `required`, `properties`, `additionalProperties`,
/// `items`, numeric and length bounds, `pattern`, `format` int32, `x-kubernetes-list-type: map/set`
/// uniqueness. Not checked: CEL rules (`x-kubernetes-validations`) and other formats.
///
/// Unknown fields: with `closedByDefault` (built-in kinds and CRD YAML, where the API server's
/// strict field validation rejects them) an object schema with `properties` and no
/// `additionalProperties` rejects unknown keys unless `x-kubernetes-preserve-unknown-fields`;
/// otherwise only an explicit `additionalProperties: false` does (datreeio's renderings say so).
struct SchemaValidator {
    /// The document `$ref`s point into (`#/components/schemas/...`, `#/definitions/...`).
    let document: JSONValue
    let closedByDefault: Bool

    func validate(_ value: JSONValue, _ schema: JSONValue, path: String = "") -> [String] {
        var errors: [String] = []
        check(value, schema, path.isEmpty ? "." : path, &errors, depth: 0)
        return errors
    }

    private func check(_ value: JSONValue, _ schemaIn: JSONValue, _ path: String, _ errors: inout [String], depth: Int) {
        guard depth < 200 else { return }
        let schema = resolved(schemaIn)
        if let all = schema["allOf"]?.arrayValue {
            for s in all { check(value, s, path, &errors, depth: depth + 1) }
        }
        if value.isNull, schema["nullable"]?.boolValue == true { return }
        if let any = schema["anyOf"]?.arrayValue, schema["x-kubernetes-int-or-string"]?.boolValue != true {
            if !any.contains(where: { validate(value, $0, path: path).isEmpty }) {
                errors.append("\(path): matches none of anyOf")
            }
        }
        if let one = schema["oneOf"]?.arrayValue {
            let passing = one.filter { validate(value, $0, path: path).isEmpty }.count
            if passing != 1 { errors.append("\(path): matches \(passing) of oneOf, not exactly one") }
        }
        if let not = schema["not"], validate(value, not, path: path).isEmpty {
            errors.append("\(path): matches a schema it must not")
        }
        if schema["x-kubernetes-int-or-string"]?.boolValue == true {
            switch value {
            case .int, .string: break
            case .double(let d) where d == d.rounded(): break
            default: errors.append("\(path): must be an integer or a string, got \(Self.describe(value))")
            }
        } else if let type = schema["type"]?.stringValue, !Self.has(type: type, value) {
            errors.append("\(path): must be \(type), got \(Self.describe(value))")
            return
        }
        if let allowed = schema["enum"]?.arrayValue, !allowed.contains(value) {
            errors.append("\(path): \(value.jsonString()) is not one of \(allowed.map { $0.jsonString() }.joined(separator: ", "))")
        }
        switch value {
        case .object(let o): checkObject(o, schema, path, &errors, depth: depth)
        case .array(let a): checkArray(a, schema, path, &errors, depth: depth)
        case .string(let s): checkString(s, schema, path, &errors)
        case .int, .double: checkNumber(value, schema, path, &errors)
        default: break
        }
    }

    private func checkObject(_ o: JSONObject, _ schema: JSONValue, _ path: String, _ errors: inout [String], depth: Int) {
        for key in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where o[key] == nil {
            errors.append("\(path): missing required field \"\(key)\"")
        }
        let properties = schema["properties"]?.objectValue
        let additional = schema["additionalProperties"]
        let preserve = schema["x-kubernetes-preserve-unknown-fields"]?.boolValue == true
        for (key, child) in o.entries {
            let childPath = path == "." ? ".\(key)" : "\(path).\(key)"
            if let p = properties?[key] {
                check(child, p, childPath, &errors, depth: depth + 1)
            } else if let additional, additional.objectValue != nil {
                check(child, additional, childPath, &errors, depth: depth + 1)
            } else if additional?.boolValue == false || (closedByDefault && properties != nil && additional == nil && !preserve) {
                errors.append("\(path): unknown field \"\(key)\"")
            }
        }
        if let min = schema["minProperties"]?.intValue, o.count < min { errors.append("\(path): fewer than \(min) properties") }
        if let max = schema["maxProperties"]?.intValue, o.count > max { errors.append("\(path): more than \(max) properties") }
    }

    private func checkArray(_ a: [JSONValue], _ schema: JSONValue, _ path: String, _ errors: inout [String], depth: Int) {
        if let items = schema["items"] {
            for (i, item) in a.enumerated() { check(item, items, "\(path)[\(i)]", &errors, depth: depth + 1) }
        }
        if let min = schema["minItems"]?.intValue, a.count < min { errors.append("\(path): fewer than \(min) items") }
        if let max = schema["maxItems"]?.intValue, a.count > max { errors.append("\(path): more than \(max) items") }
        switch schema["x-kubernetes-list-type"]?.stringValue {
        case "set":
            if Set(a).count != a.count { errors.append("\(path): duplicate items in a set") }
        case "map":
            let keys = schema["x-kubernetes-list-map-keys"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let tuples = a.map { item in keys.map { item[$0] ?? .null } }
            if Set(tuples).count != tuples.count { errors.append("\(path): duplicate entries for keys \(keys)") }
        default: break
        }
    }

    private func checkString(_ s: String, _ schema: JSONValue, _ path: String, _ errors: inout [String]) {
        if let min = schema["minLength"]?.intValue, s.count < min { errors.append("\(path): shorter than \(min)") }
        if let max = schema["maxLength"]?.intValue, s.count > max { errors.append("\(path): longer than \(max)") }
        if let pattern = schema["pattern"]?.stringValue, let regex = try? NSRegularExpression(pattern: pattern),
           regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) == nil {
            errors.append("\(path): \"\(s)\" does not match \(pattern)")
        }
    }

    private func checkNumber(_ value: JSONValue, _ schema: JSONValue, _ path: String, _ errors: inout [String]) {
        guard let d = value.doubleValue else { return }
        if let min = schema["minimum"]?.doubleValue {
            let exclusive = schema["exclusiveMinimum"]?.boolValue == true
            if exclusive ? d <= min : d < min { errors.append("\(path): \(d) is below the minimum \(min)") }
        }
        if let max = schema["maximum"]?.doubleValue {
            let exclusive = schema["exclusiveMaximum"]?.boolValue == true
            if exclusive ? d >= max : d > max { errors.append("\(path): \(d) is above the maximum \(max)") }
        }
        if schema["format"]?.stringValue == "int32", d < -2_147_483_648 || d > 2_147_483_647 {
            errors.append("\(path): \(d) does not fit int32")
        }
    }

    private func resolved(_ schema: JSONValue) -> JSONValue {
        var current = schema
        var hops = 0
        while let ref = current["$ref"]?.stringValue, hops < 50 {
            let parts = ref.hasPrefix("#/") ? ref.dropFirst(2).split(separator: "/").map(String.init) : []
            guard let target = document.value(at: parts) else { return current }
            current = target
            hops += 1
        }
        return current
    }

    static func has(type: String, _ value: JSONValue) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("integer", .int),
             ("number", .int), ("number", .double): return true
        case ("integer", .double(let d)): return d == d.rounded()
        default: return false
        }
    }

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .double: return "number"
        case .string(let s): return "string \"\(s.prefix(40))\""
        case .array: return "array"
        case .object: return "object"
        }
    }
}
