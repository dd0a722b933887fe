/// `JSONValue` as a field of Codable types. With `JSONValueDecoder`/`JSONValueEncoder` the value is
/// carried over as it is (key order and the int/double distinction kept); with other coders
/// (e.g. Foundation's JSONDecoder) it is read through a single-value container, trying
/// null, Bool, Int64, Double, String, array and object in that order.
extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        if let d = decoder as? JSONValueDecoding {
            self = d.value
            return
        }
        if let c = try? decoder.container(keyedBy: AnyCodingKey.self) {
            var o = JSONObject()
            for k in c.allKeys { o[k.stringValue] = try c.decode(JSONValue.self, forKey: k) }
            self = .object(o)
            return
        }
        if var c = try? decoder.unkeyedContainer() {
            var a: [JSONValue] = []
            while !c.isAtEnd { a.append(try c.decode(JSONValue.self)) }
            self = .array(a)
            return
        }
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int64.self) {
            self = .int(i)
        } else if let d = try? c.decode(Double.self) {
            self = .double(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a JSON value")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        if let e = encoder as? JSONValueEncoding {
            e.node.set(self)
            return
        }
        switch self {
        case .null:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case .bool(let b):
            var c = encoder.singleValueContainer()
            try c.encode(b)
        case .int(let i):
            var c = encoder.singleValueContainer()
            try c.encode(i)
        case .double(let d):
            var c = encoder.singleValueContainer()
            try c.encode(d)
        case .string(let s):
            var c = encoder.singleValueContainer()
            try c.encode(s)
        case .array(let a):
            var c = encoder.unkeyedContainer()
            for e in a { try c.encode(e) }
        case .object(let o):
            var c = encoder.container(keyedBy: AnyCodingKey.self)
            for k in o.keys { try c.encode(o.storage[k]!, forKey: AnyCodingKey(k)) }
        }
    }
}

/// A coding key for any string or index.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ s: String) {
        stringValue = s
        intValue = nil
    }
    init?(stringValue: String) { self.init(stringValue) }
    init(intValue: Int) {
        stringValue = "Index \(intValue)"
        self.intValue = intValue
    }
    static let `super` = AnyCodingKey("super")
}

// MARK: - Decoding

/// Decodes Decodable types from a `JSONValue` tree, with the rules of Foundation's JSONDecoder:
/// strict types (a string "5" is not an Int), range-checked numbers (300 is not a UInt8; an
/// integral double such as 5.0 is accepted for an integer type), `decodeIfPresent` giving nil for
/// null or missing keys. Failures are `DecodingError`s carrying the coding path.
public struct JSONValueDecoder: Sendable {
    /// Passed to the types being decoded as `Decoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        let d = JSONValueDecoding(value: value, codingPath: [], userInfo: userInfo)
        return try d.unbox(value, as: T.self, path: [])
    }
}

final class JSONValueDecoding: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    let userInfoStorage: [CodingUserInfoKey: any Sendable]
    var userInfo: [CodingUserInfoKey: Any] { userInfoStorage }

    init(value: JSONValue, codingPath: [any CodingKey], userInfo: [CodingUserInfoKey: any Sendable]) {
        self.value = value
        self.codingPath = codingPath
        self.userInfoStorage = userInfo
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        switch value {
        case .object(let o):
            return KeyedDecodingContainer(JSONValueKeyedDecoding<Key>(decoder: self, object: o, codingPath: codingPath))
        case .null:
            throw DecodingError.valueNotFound(
                KeyedDecodingContainer<Key>.self,
                .init(codingPath: codingPath, debugDescription: "Cannot get keyed decoding container -- found null value instead"))
        default:
            throw DecodingError.typeMismatch(
                [String: JSONValue].self,
                .init(codingPath: codingPath, debugDescription: "Expected an object but found \(value.kindDescription) instead."))
        }
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        switch value {
        case .array(let a):
            return JSONValueUnkeyedDecoding(decoder: self, array: a, codingPath: codingPath)
        case .null:
            throw DecodingError.valueNotFound(
                (any UnkeyedDecodingContainer).self,
                .init(codingPath: codingPath, debugDescription: "Cannot get unkeyed decoding container -- found null value instead"))
        default:
            throw DecodingError.typeMismatch(
                [JSONValue].self,
                .init(codingPath: codingPath, debugDescription: "Expected an array but found \(value.kindDescription) instead."))
        }
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        JSONValueSingleDecoding(decoder: self)
    }

    // MARK: Unboxing (shared by all containers)

    func child(_ value: JSONValue, path: [any CodingKey]) -> JSONValueDecoding {
        JSONValueDecoding(value: value, codingPath: path, userInfo: userInfoStorage)
    }

    func unbox<T: Decodable>(_ value: JSONValue, as type: T.Type, path: [any CodingKey]) throws -> T {
        if type == JSONValue.self { return value as! T }
        // Primitives without a detour through a child decoder.
        switch type {
        case is Bool.Type: return try unboxBool(value, path: path) as! T
        case is String.Type: return try unboxString(value, path: path) as! T
        case is Double.Type: return try unboxDouble(value, path: path) as! T
        case is Int.Type: return try unboxInteger(value, as: Int.self, path: path) as! T
        case is Int64.Type: return try unboxInteger(value, as: Int64.self, path: path) as! T
        case is Int32.Type: return try unboxInteger(value, as: Int32.self, path: path) as! T
        default: return try T(from: child(value, path: path))
        }
    }

    func unboxBool(_ value: JSONValue, path: [any CodingKey]) throws -> Bool {
        if case .bool(let b) = value { return b }
        throw mismatch(Bool.self, value, path)
    }

    func unboxString(_ value: JSONValue, path: [any CodingKey]) throws -> String {
        if case .string(let s) = value { return s }
        throw mismatch(String.self, value, path)
    }

    func unboxDouble(_ value: JSONValue, path: [any CodingKey]) throws -> Double {
        switch value {
        case .double(let d): return d
        case .int(let i): return Double(i)
        default: throw mismatch(Double.self, value, path)
        }
    }

    func unboxFloat(_ value: JSONValue, path: [any CodingKey]) throws -> Float {
        let d = try unboxDouble(value, path: path)
        if d.isFinite && abs(d) > Double(Float.greatestFiniteMagnitude) {
            throw DecodingError.dataCorrupted(
                .init(codingPath: path, debugDescription: "Number \(d) does not fit in Float."))
        }
        return Float(d)
    }

    func unboxInteger<I: FixedWidthInteger>(_ value: JSONValue, as type: I.Type, path: [any CodingKey]) throws -> I {
        switch value {
        case .int(let i):
            if let v = I(exactly: i) { return v }
            throw DecodingError.dataCorrupted(
                .init(codingPath: path, debugDescription: "Number \(i) does not fit in \(I.self)."))
        case .double(let d):
            if let v = I(exactly: d) { return v }
            throw DecodingError.dataCorrupted(
                .init(codingPath: path, debugDescription: "Number \(d) is not an integer that fits in \(I.self)."))
        default:
            throw mismatch(I.self, value, path)
        }
    }

    func mismatch(_ type: Any.Type, _ value: JSONValue, _ path: [any CodingKey]) -> DecodingError {
        if case .null = value {
            return .valueNotFound(type, .init(codingPath: path, debugDescription: "Expected \(type) value but found null instead."))
        }
        return .typeMismatch(type, .init(codingPath: path, debugDescription: "Expected to decode \(type) but found \(value.kindDescription) instead."))
    }
}

extension JSONValue {
    var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "a bool"
        case .int: return "an integer"
        case .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

struct JSONValueSingleDecoding: SingleValueDecodingContainer {
    let decoder: JSONValueDecoding
    var codingPath: [any CodingKey] { decoder.codingPath }
    var value: JSONValue { decoder.value }

    func decodeNil() -> Bool { value.isNull }
    func decode(_ type: Bool.Type) throws -> Bool { try decoder.unboxBool(value, path: codingPath) }
    func decode(_ type: String.Type) throws -> String { try decoder.unboxString(value, path: codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try decoder.unboxDouble(value, path: codingPath) }
    func decode(_ type: Float.Type) throws -> Float { try decoder.unboxFloat(value, path: codingPath) }
    func decode(_ type: Int.Type) throws -> Int { try decoder.unboxInteger(value, as: type, path: codingPath) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decoder.unboxInteger(value, as: type, path: codingPath) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decoder.unboxInteger(value, as: type, path: codingPath) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decoder.unboxInteger(value, as: type, path: codingPath) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decoder.unboxInteger(value, as: type, path: codingPath) }
    func decode(_ type: UInt.Type) throws -> UInt { try decoder.unboxInteger(value, as: type, path: codingPath) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.unboxInteger(value, as: type, path: codingPath) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.unboxInteger(value, as: type, path: codingPath) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.unboxInteger(value, as: type, path: codingPath) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.unboxInteger(value, as: type, path: codingPath) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.unbox(value, as: type, path: codingPath) }
}

struct JSONValueKeyedDecoding<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: JSONValueDecoding
    let object: JSONObject
    let codingPath: [any CodingKey]

    var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { object[key.stringValue] != nil }

    private func value(for key: Key) throws -> JSONValue {
        guard let v = object[key.stringValue] else {
            throw DecodingError.keyNotFound(
                key, .init(codingPath: codingPath, debugDescription: "No value associated with key \(key.stringValue) (\"\(key.stringValue)\")."))
        }
        return v
    }

    private func path(_ key: Key) -> [any CodingKey] { codingPath + [key] }

    func decodeNil(forKey key: Key) throws -> Bool { try value(for: key).isNull }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decoder.unboxBool(value(for: key), path: path(key)) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decoder.unboxString(value(for: key), path: path(key)) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decoder.unboxDouble(value(for: key), path: path(key)) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decoder.unboxFloat(value(for: key), path: path(key)) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decoder.unboxInteger(value(for: key), as: type, path: path(key)) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decoder.unboxInteger(value(for: key), as: type, path: path(key)) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decoder.unboxInteger(value(for: key), as: type, path: path(key)) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decoder.unboxInteger(value(for: key), as: type, path: path(key)) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decoder.unboxInteger(value(for: key), as: type, path: path(key)) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decoder.unboxInteger(value(for: key), as: type, path: path(key)) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decoder.unboxInteger(value(for: key), as: type, path: path(key)) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decoder.unboxInteger(value(for: key), as: type, path: path(key)) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decoder.unboxInteger(value(for: key), as: type, path: path(key)) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decoder.unboxInteger(value(for: key), as: type, path: path(key)) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decoder.unbox(value(for: key), as: type, path: path(key))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder.child(value(for: key), path: path(key)).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder.child(value(for: key), path: path(key)).unkeyedContainer()
    }

    /// A missing "super" key decodes as null, as in Foundation's JSONDecoder.
    func superDecoder() throws -> any Decoder {
        decoder.child(object["super"] ?? .null, path: codingPath + [AnyCodingKey.super])
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        decoder.child(object[key.stringValue] ?? .null, path: path(key))
    }
}

struct JSONValueUnkeyedDecoding: UnkeyedDecodingContainer {
    let decoder: JSONValueDecoding
    let array: [JSONValue]
    let codingPath: [any CodingKey]
    private(set) var currentIndex: Int = 0

    init(decoder: JSONValueDecoding, array: [JSONValue], codingPath: [any CodingKey]) {
        self.decoder = decoder
        self.array = array
        self.codingPath = codingPath
    }

    var count: Int? { array.count }
    var isAtEnd: Bool { currentIndex >= array.count }

    private var indexPath: [any CodingKey] { codingPath + [AnyCodingKey(intValue: currentIndex)] }

    private func current(_ type: Any.Type) throws -> JSONValue {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, .init(codingPath: indexPath, debugDescription: "Unkeyed container is at end."))
        }
        return array[currentIndex]
    }

    mutating func decodeNil() throws -> Bool {
        if try current(JSONValue.self).isNull {
            currentIndex += 1
            return true
        }
        return false
    }

    private mutating func next<T>(_ type: T.Type, _ f: (JSONValueDecoding, JSONValue, [any CodingKey]) throws -> T) throws -> T {
        let v = try f(decoder, current(type), indexPath)
        currentIndex += 1
        return v
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try next(type) { try $0.unboxBool($1, path: $2) } }
    mutating func decode(_ type: String.Type) throws -> String { try next(type) { try $0.unboxString($1, path: $2) } }
    mutating func decode(_ type: Double.Type) throws -> Double { try next(type) { try $0.unboxDouble($1, path: $2) } }
    mutating func decode(_ type: Float.Type) throws -> Float { try next(type) { try $0.unboxFloat($1, path: $2) } }
    mutating func decode(_ type: Int.Type) throws -> Int { try next(type) { try $0.unboxInteger($1, as: type, path: $2) } }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try next(type) { try $0.unboxInteger($1, as: type, path: $2) } }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try next(type) { try $0.unboxInteger($1, as: type, path: $2) } }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try next(type) { try $0.unboxInteger($1, as: type, path: $2) } }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next(type) { try $0.unboxInteger($1, as: type, path: $2) } }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try next(type) { try $0.unboxInteger($1, as: type, path: $2) } }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next(type) { try $0.unboxInteger($1, as: type, path: $2) } }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next(type) { try $0.unboxInteger($1, as: type, path: $2) } }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next(type) { try $0.unboxInteger($1, as: type, path: $2) } }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next(type) { try $0.unboxInteger($1, as: type, path: $2) } }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next(type) { try $0.unbox($1, as: type, path: $2) } }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next(KeyedDecodingContainer<NestedKey>.self) { try $0.child($1, path: $2).container(keyedBy: type) }
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next((any UnkeyedDecodingContainer).self) { try $0.child($1, path: $2).unkeyedContainer() }
    }

    mutating func superDecoder() throws -> any Decoder {
        try next((any Decoder).self) { $0.child($1, path: $2) }
    }
}

// MARK: - Encoding

/// Encodes Encodable types into a `JSONValue` tree, like Foundation's JSONEncoder: keys in the
/// order the type encodes them, nil optionals left out (synthesized `encodeIfPresent`), a type that
/// encodes nothing becomes `{}`. Integer types become `.int` (a UInt64 above Int64.max becomes
/// `.double`), floating types `.double`.
public struct JSONValueEncoder: Sendable {
    /// Passed to the types being encoded as `Encoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    public init() {}

    public func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        if let v = value as? JSONValue { return v }
        let e = JSONValueEncoding(codingPath: [], userInfo: userInfo)
        try value.encode(to: e)
        guard let result = e.node.resolve() else {
            throw EncodingError.invalidValue(
                value, .init(codingPath: [], debugDescription: "Top-level \(T.self) did not encode any values."))
        }
        return result
    }
}

/// A mutable tree under construction; containers share these references.
final class EncodingNode {
    enum Kind { case empty, value, object, array }

    private(set) var kind: Kind = .empty
    private var value: JSONValue = .null
    private var keys: [String] = []
    private var members: [String: EncodingNode] = [:]
    private var items: [EncodingNode] = []

    init() {}

    func set(_ v: JSONValue) {
        kind = .value
        value = v
        keys = []
        members = [:]
        items = []
    }

    /// The finished value; nil when nothing was encoded. A nested part that encoded nothing is `{}`.
    func resolve() -> JSONValue? {
        switch kind {
        case .empty: return nil
        case .value: return value
        case .object:
            var o = JSONObject()
            for k in keys { o[k] = members[k]!.resolve() ?? .object(JSONObject()) }
            return .object(o)
        case .array:
            return .array(items.map { $0.resolve() ?? .object(JSONObject()) })
        }
    }

    /// Makes this node an object (keeping members already there) and returns the member node for key.
    func member(_ key: String) -> EncodingNode {
        becomeObject()
        if let existing = members[key] { return existing }
        let n = EncodingNode()
        keys.append(key)
        members[key] = n
        return n
    }

    func becomeObject() {
        if kind == .object { return }
        kind = .object
        keys = []
        members = [:]
    }

    func becomeArray() {
        if kind == .array { return }
        kind = .array
        items = []
    }

    func appendElement() -> EncodingNode {
        becomeArray()
        let n = EncodingNode()
        items.append(n)
        return n
    }

    var elementCount: Int { items.count }
}

final class JSONValueEncoding: Encoder {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    let userInfoStorage: [CodingUserInfoKey: any Sendable]
    var userInfo: [CodingUserInfoKey: Any] { userInfoStorage }

    init(node: EncodingNode = EncodingNode(), codingPath: [any CodingKey], userInfo: [CodingUserInfoKey: any Sendable]) {
        self.node = node
        self.codingPath = codingPath
        self.userInfoStorage = userInfo
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.becomeObject()
        return KeyedEncodingContainer(JSONValueKeyedEncoding<Key>(encoder: self, node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.becomeArray()
        return JSONValueUnkeyedEncoding(encoder: self, node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        JSONValueSingleEncoding(encoder: self)
    }

    /// Encodes `value` into `into`, with primitives and JSONValue stored directly.
    func box<T: Encodable>(_ value: T, into target: EncodingNode, path: [any CodingKey]) throws {
        if let v = value as? JSONValue {
            target.set(v)
            return
        }
        if let v = JSONValueEncoding.primitive(value) {
            target.set(v)
            return
        }
        let child = JSONValueEncoding(node: target, codingPath: path, userInfo: userInfoStorage)
        try value.encode(to: child)
    }

    static func primitive(_ value: Any) -> JSONValue? {
        switch value {
        case let v as String: return .string(v)
        case let v as Bool: return .bool(v)
        case let v as Int: return .int(Int64(v))
        case let v as Int64: return .int(v)
        case let v as Double: return .double(v)
        default: return nil
        }
    }

    static func integer<I: BinaryInteger>(_ v: I) -> JSONValue {
        if let i = Int64(exactly: v) { return .int(i) }
        return .double(Double(v))
    }
}

struct JSONValueSingleEncoding: SingleValueEncodingContainer {
    let encoder: JSONValueEncoding
    var codingPath: [any CodingKey] { encoder.codingPath }
    private var node: EncodingNode { encoder.node }

    init(encoder: JSONValueEncoding) { self.encoder = encoder }

    mutating func encodeNil() throws { node.set(.null) }
    mutating func encode(_ value: Bool) throws { node.set(.bool(value)) }
    mutating func encode(_ value: String) throws { node.set(.string(value)) }
    mutating func encode(_ value: Double) throws { node.set(.double(value)) }
    mutating func encode(_ value: Float) throws { node.set(.double(Double(value))) }
    mutating func encode(_ value: Int) throws { node.set(.int(Int64(value))) }
    mutating func encode(_ value: Int8) throws { node.set(.int(Int64(value))) }
    mutating func encode(_ value: Int16) throws { node.set(.int(Int64(value))) }
    mutating func encode(_ value: Int32) throws { node.set(.int(Int64(value))) }
    mutating func encode(_ value: Int64) throws { node.set(.int(value)) }
    mutating func encode(_ value: UInt) throws { node.set(JSONValueEncoding.integer(value)) }
    mutating func encode(_ value: UInt8) throws { node.set(.int(Int64(value))) }
    mutating func encode(_ value: UInt16) throws { node.set(.int(Int64(value))) }
    mutating func encode(_ value: UInt32) throws { node.set(.int(Int64(value))) }
    mutating func encode(_ value: UInt64) throws { node.set(JSONValueEncoding.integer(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try encoder.box(value, into: node, path: codingPath)
    }
}

struct JSONValueKeyedEncoding<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: JSONValueEncoding
    let node: EncodingNode
    let codingPath: [any CodingKey]

    private func put(_ v: JSONValue, _ key: Key) { node.member(key.stringValue).set(v) }

    mutating func encodeNil(forKey key: Key) throws { put(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { put(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { put(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { put(.double(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { put(.double(Double(value)), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { put(.int(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { put(JSONValueEncoding.integer(value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { put(JSONValueEncoding.integer(value), key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try encoder.box(value, into: node.member(key.stringValue), path: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = node.member(key.stringValue)
        child.becomeObject()
        return KeyedEncodingContainer(JSONValueKeyedEncoding<NestedKey>(encoder: encoder, node: child, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = node.member(key.stringValue)
        child.becomeArray()
        return JSONValueUnkeyedEncoding(encoder: encoder, node: child, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        JSONValueEncoding(node: node.member("super"), codingPath: codingPath + [AnyCodingKey.super], userInfo: encoder.userInfoStorage)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        JSONValueEncoding(node: node.member(key.stringValue), codingPath: codingPath + [key], userInfo: encoder.userInfoStorage)
    }
}

struct JSONValueUnkeyedEncoding: UnkeyedEncodingContainer {
    let encoder: JSONValueEncoding
    let node: EncodingNode
    let codingPath: [any CodingKey]

    var count: Int { node.elementCount }

    private func put(_ v: JSONValue) { node.appendElement().set(v) }
    private var nextPath: [any CodingKey] { codingPath + [AnyCodingKey(intValue: count)] }

    mutating func encodeNil() throws { put(.null) }
    mutating func encode(_ value: Bool) throws { put(.bool(value)) }
    mutating func encode(_ value: String) throws { put(.string(value)) }
    mutating func encode(_ value: Double) throws { put(.double(value)) }
    mutating func encode(_ value: Float) throws { put(.double(Double(value))) }
    mutating func encode(_ value: Int) throws { put(.int(Int64(value))) }
    mutating func encode(_ value: Int8) throws { put(.int(Int64(value))) }
    mutating func encode(_ value: Int16) throws { put(.int(Int64(value))) }
    mutating func encode(_ value: Int32) throws { put(.int(Int64(value))) }
    mutating func encode(_ value: Int64) throws { put(.int(value)) }
    mutating func encode(_ value: UInt) throws { put(JSONValueEncoding.integer(value)) }
    mutating func encode(_ value: UInt8) throws { put(.int(Int64(value))) }
    mutating func encode(_ value: UInt16) throws { put(.int(Int64(value))) }
    mutating func encode(_ value: UInt32) throws { put(.int(Int64(value))) }
    mutating func encode(_ value: UInt64) throws { put(JSONValueEncoding.integer(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        let path = nextPath
        try encoder.box(value, into: node.appendElement(), path: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = nextPath
        let child = node.appendElement()
        child.becomeObject()
        return KeyedEncodingContainer(JSONValueKeyedEncoding<NestedKey>(encoder: encoder, node: child, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = nextPath
        let child = node.appendElement()
        child.becomeArray()
        return JSONValueUnkeyedEncoding(encoder: encoder, node: child, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let path = nextPath
        return JSONValueEncoding(node: node.appendElement(), codingPath: path, userInfo: encoder.userInfoStorage)
    }
}
