import YAML
/// Typed reads of a request object's fields, each failing with a 400 that names the field and
/// what was sent (pydantic's job in vLLM). `null` reads as absent, as in OpenAI's SDKs.
struct RequestFields {
    let object: JSONObject

    init(_ value: JSONValue) throws(APIError) {
        guard case .object(let o) = value else {
            throw .badRequest("the request body must be a JSON object, got \(value.typeName)")
        }
        object = o
    }

    private func present(_ key: String) -> JSONValue? {
        guard let v = object[key], v != .null else { return nil }
        return v
    }

    private func wrongType(_ key: String, _ expected: String, _ got: JSONValue) -> APIError {
        .badRequest("'\(key)' must be \(expected), got \(got.typeName)", param: key)
    }

    func has(_ key: String) -> Bool { present(key) != nil }

    func raw(_ key: String) -> JSONValue? { present(key) }

    func bool(_ key: String) throws(APIError) -> Bool? {
        guard let v = present(key) else { return nil }
        guard case .bool(let b) = v else { throw wrongType(key, "a boolean", v) }
        return b
    }

    func int(_ key: String) throws(APIError) -> Int? {
        guard let v = present(key) else { return nil }
        switch v {
        case .int(let i): return Int(i)
        // pydantic's lax mode takes 16.0 for 16.
        case .double(let d) where d.rounded() == d && abs(d) < 1e15: return Int(d)
        default: throw wrongType(key, "an integer", v)
        }
    }

    func double(_ key: String) throws(APIError) -> Double? {
        guard let v = present(key) else { return nil }
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: throw wrongType(key, "a number", v)
        }
    }

    func string(_ key: String) throws(APIError) -> String? {
        guard let v = present(key) else { return nil }
        guard case .string(let s) = v else { throw wrongType(key, "a string", v) }
        return s
    }

    /// A string or a list of strings (`stop`).
    func strings(_ key: String) throws(APIError) -> [String]? {
        guard let v = present(key) else { return nil }
        switch v {
        case .string(let s): return [s]
        case .array(let items):
            var out: [String] = []
            for item in items {
                guard case .string(let s) = item else { throw wrongType(key, "a string or a list of strings", v) }
                out.append(s)
            }
            return out
        default: throw wrongType(key, "a string or a list of strings", v)
        }
    }

    func ints(_ key: String) throws(APIError) -> [Int]? {
        guard let v = present(key) else { return nil }
        guard case .array(let items) = v else { throw wrongType(key, "a list of integers", v) }
        var out: [Int] = []
        for item in items {
            guard case .int(let i) = item else { throw wrongType(key, "a list of integers", v) }
            out.append(Int(i))
        }
        return out
    }

    func objectField(_ key: String) throws(APIError) -> RequestFields? {
        guard let v = present(key) else { return nil }
        guard case .object = v else { throw wrongType(key, "an object", v) }
        return try RequestFields(v)
    }
}
