import CYAML
import Foundation

/// Reading and writing YAML as `JSONValue` trees.
///
/// Reading follows the YAML 1.2 core schema for plain scalars (see `parse`); writing produces
/// kubectl-style block YAML that reads back the same under YAML 1.2 and YAML 1.1 readers.
public enum YAML {
    /// The most deeply nested sequences/mappings a document may have.
    public static let maximumNestingDepth = 512
    /// The most nodes that aliases (including merge keys) may expand to in one stream; more is
    /// treated as an alias bomb ("billion laughs") and rejected.
    public static let maximumAliasExpansion = 1_000_000

    /// Reads every document of a YAML stream, in order. Empty documents (`---` with nothing after
    /// it) are `.null`; a stream with no documents (empty text, only comments) gives `[]`.
    ///
    /// - Plain scalars resolve by the YAML 1.2 core schema: null (`null`, `Null`, `NULL`, `~`, empty),
    ///   bool (`true`/`True`/`TRUE`/`false`/...), int (`-12`, `+3`, `0o17`, `0x1F`; a decimal beyond
    ///   Int64 becomes a double), float (`1.5`, `1e3`, `.5`, `.inf`, `-.Inf`, `.nan`); anything else is a
    ///   string. Quoted and block (`|`, `>`) scalars are always strings.
    /// - Tags `!!str !!int !!float !!bool !!null !!map !!seq` are honoured (`!!str 123` is a string,
    ///   `!!float 1` is 1.0); the non-specific tag `!` makes a string; other tags are ignored.
    /// - Anchors and aliases are expanded (anchors are per document); the merge key `<<` takes a
    ///   mapping or a list of mappings, explicit keys win over merged ones and earlier merged mappings
    ///   win over later ones.
    /// - Scalar keys become strings as written (`1: a` has key "1"); a mapping or sequence as a key,
    ///   or the same key twice in one mapping, is an error.
    public static func parseDocuments(_ text: String) throws -> [JSONValue] {
        var s = text
        return try s.withUTF8 { try YAMLReader.read($0).map(\.value) }
    }

    /// Reads every document of a YAML stream given as bytes (UTF-8, or UTF-16 with a BOM).
    public static func parseDocuments(_ data: Data) throws -> [JSONValue] {
        try data.withUnsafeBytes { try YAMLReader.read($0.bindMemory(to: UInt8.self)).map(\.value) }
    }

    /// Reads a stream that holds at most one document: empty input gives `.null`, more than one
    /// document is an error. Scalar resolution as in `parseDocuments`.
    public static func parse(_ text: String) throws -> JSONValue {
        var s = text
        return try s.withUTF8 { try single(YAMLReader.read($0)) }
    }

    /// Reads a one-document stream given as bytes; see `parse(_: String)`.
    public static func parse(_ data: Data) throws -> JSONValue {
        try data.withUnsafeBytes { try single(YAMLReader.read($0.bindMemory(to: UInt8.self))) }
    }

    private static func single(_ docs: [YAMLReader.Document]) throws -> JSONValue {
        guard docs.count <= 1 else {
            throw YAMLError(line: docs[1].line, column: docs[1].column,
                            problem: "expected a single document in the stream but found another document")
        }
        return docs.first?.value ?? .null
    }
}

/// Decodes Decodable types from YAML text: `YAML.parse` followed by `JSONValueDecoder`.
public struct YAMLDecoder: Sendable {
    /// Passed to the types being decoded as `Decoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        var d = JSONValueDecoder()
        d.userInfo = userInfo
        return try d.decode(type, from: YAML.parse(text))
    }

    public func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        var d = JSONValueDecoder()
        d.userInfo = userInfo
        return try d.decode(type, from: YAML.parse(data))
    }
}

/// Builds values from libyaml's event stream with a stack of open sequences and mappings.
struct YAMLReader {
    struct Document {
        var value: JSONValue
        var line: Int
        var column: Int
    }

    private struct Anchor {
        var value: JSONValue
        var size: Int
        /// The text of an anchored scalar, so that an alias can serve as a mapping key.
        var scalarText: String?
    }

    /// A finished node on its way into its parent.
    private struct Node {
        var value: JSONValue
        var size: Int
        var scalarText: String?
        var isMergeKey: Bool = false
        var line: Int
        var column: Int
    }

    private enum Kind { case sequence, mapping }

    private struct Frame {
        var kind: Kind
        var anchor: String?
        var line: Int
        var column: Int
        var size = 1
        var items: [JSONValue] = []
        var object = JSONObject()
        /// Keys written in this mapping (not merged in), with the line each was written on.
        var explicitKeys: [String: Int] = [:]
        var pendingKey: Node?
        /// The line of this mapping's merge key, once it has one.
        var mergeLine: Int?
    }

    private static let tagPrefix = "tag:yaml.org,2002:"

    private let input: UnsafeBufferPointer<UInt8>
    private var frames: [Frame] = []
    private var anchors: [String: Anchor] = [:]
    private var expanded = 0
    private var documents: [Document] = []
    private var root: Node?
    private var documentLine = 1
    private var documentColumn = 1

    private init(_ input: UnsafeBufferPointer<UInt8>) {
        self.input = input
    }

    static func read(_ input: UnsafeBufferPointer<UInt8>) throws -> [Document] {
        guard let base = input.baseAddress, input.count > 0 else { return [] }
        var reader = YAMLReader(input)
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        parser.initialize(to: yaml_parser_t())
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else {
            throw YAMLError(line: 1, column: 1, problem: "could not initialize the YAML parser")
        }
        defer { yaml_parser_delete(parser) }
        yaml_parser_set_input_string(parser, base, input.count)

        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(parser, &event) == 1 else {
                throw reader.libyamlError(parser.pointee)
            }
            let done = event.type == YAML_STREAM_END_EVENT
            do {
                try reader.handle(&event)
            } catch {
                yaml_event_delete(&event)
                throw error
            }
            yaml_event_delete(&event)
            if done { break }
        }
        return reader.documents
    }

    // MARK: Events

    private mutating func handle(_ event: inout yaml_event_t) throws {
        let line = Int(event.start_mark.line) + 1
        let column = Int(event.start_mark.column) + 1
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            anchors.removeAll()
            frames.removeAll()
            root = nil
            documentLine = line
            documentColumn = column

        case YAML_DOCUMENT_END_EVENT:
            documents.append(Document(value: root?.value ?? .null, line: documentLine, column: documentColumn))
            root = nil

        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            let text = s.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: s.length), as: UTF8.self) } ?? ""
            let tag = s.tag.map { String(cString: $0) }
            let plain = s.style == YAML_PLAIN_SCALAR_STYLE
            let value = try scalarValue(text, tag: tag, plain: plain, line: line, column: column)
            let isMerge = plain && text == "<<" && (tag == nil || tag == Self.tagPrefix + "merge")
            if let a = s.anchor {
                anchors[String(cString: a)] = Anchor(value: value, size: 1, scalarText: text)
            }
            try deliver(Node(value: value, size: 1, scalarText: text, isMergeKey: isMerge, line: line, column: column))

        case YAML_ALIAS_EVENT:
            let name = event.data.alias.anchor.map { String(cString: $0) } ?? ""
            guard let a = anchors[name] else {
                throw YAMLError(line: line, column: column, problem: "unknown alias \"\(name)\" (no earlier anchor &\(name) in this document)")
            }
            expanded += a.size
            if expanded > YAML.maximumAliasExpansion {
                throw YAMLError(line: line, column: column,
                                problem: "aliases expand to more than \(YAML.maximumAliasExpansion) nodes (an alias bomb?)")
            }
            try deliver(Node(value: a.value, size: a.size, scalarText: a.scalarText, line: line, column: column))

        case YAML_SEQUENCE_START_EVENT:
            let s = event.data.sequence_start
            try checkCollectionTag(s.tag, expected: "seq", line: line, column: column)
            try push(Frame(kind: .sequence, anchor: s.anchor.map { String(cString: $0) }, line: line, column: column))

        case YAML_MAPPING_START_EVENT:
            let s = event.data.mapping_start
            try checkCollectionTag(s.tag, expected: "map", line: line, column: column)
            try push(Frame(kind: .mapping, anchor: s.anchor.map { String(cString: $0) }, line: line, column: column))

        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let f = frames.popLast() else { return }
            let value: JSONValue = f.kind == .sequence ? .array(f.items) : .object(f.object)
            if let a = f.anchor {
                anchors[a] = Anchor(value: value, size: f.size, scalarText: nil)
            }
            try deliver(Node(value: value, size: f.size, scalarText: nil, line: f.line, column: f.column))

        default:
            break
        }
    }

    private mutating func push(_ frame: Frame) throws {
        guard frames.count < YAML.maximumNestingDepth else {
            throw YAMLError(line: frame.line, column: frame.column,
                            problem: "more than \(YAML.maximumNestingDepth) levels of nested sequences and mappings")
        }
        frames.append(frame)
    }

    /// Puts a finished node into the open collection (or makes it the document's root).
    private mutating func deliver(_ node: Node) throws {
        guard !frames.isEmpty else {
            root = node
            return
        }
        let top = frames.count - 1
        frames[top].size += node.size
        if frames[top].kind == .sequence {
            frames[top].items.append(node.value)
            return
        }
        guard let key = frames[top].pendingKey else {
            guard node.scalarText != nil else {
                throw YAMLError(line: node.line, column: node.column,
                                problem: "a mapping or sequence cannot be used as a mapping key")
            }
            frames[top].pendingKey = node
            return
        }
        frames[top].pendingKey = nil
        if key.isMergeKey {
            try merge(node, into: top, key: key)
            return
        }
        let name = key.scalarText ?? ""
        if let first = frames[top].explicitKeys[name] {
            throw YAMLError(line: key.line, column: key.column,
                            problem: "duplicate key \"\(name)\" in a mapping (first defined at line \(first))")
        }
        frames[top].explicitKeys[name] = key.line
        if frames[top].object[name] != nil {
            frames[top].object[name] = nil  // a merged value: the explicit one replaces it, in its own place
        }
        frames[top].object[name] = node.value
    }

    /// `<<: *base` or `<<: [*a, *b]`: copies in keys that the mapping does not set itself; earlier
    /// sources win over later ones.
    private mutating func merge(_ node: Node, into top: Int, key: Node) throws {
        let sources: [JSONObject]
        switch node.value {
        case .object(let o):
            sources = [o]
        case .array(let items):
            sources = try items.map {
                guard case .object(let o) = $0 else {
                    throw YAMLError(line: node.line, column: node.column,
                                    problem: "the merge key << takes a mapping or a list of mappings; this list holds \($0.kindDescription)")
                }
                return o
            }
        default:
            throw YAMLError(line: node.line, column: node.column,
                            problem: "the merge key << takes a mapping or a list of mappings, not \(node.value.kindDescription)")
        }
        if let first = frames[top].mergeLine {
            throw YAMLError(line: key.line, column: key.column,
                            problem: "duplicate key \"<<\" in a mapping (first defined at line \(first))")
        }
        for source in sources {
            for (k, v) in source.entries where frames[top].explicitKeys[k] == nil && frames[top].object[k] == nil {
                frames[top].object[k] = v
            }
        }
        frames[top].mergeLine = key.line
    }

    // MARK: Scalars and tags

    private func scalarValue(_ text: String, tag: String?, plain: Bool, line: Int, column: Int) throws -> JSONValue {
        guard let tag else { return plain ? YAMLScalarResolution.resolvePlain(text) : .string(text) }
        if tag == "!" { return .string(text) }
        guard tag.hasPrefix(Self.tagPrefix) else {
            return plain ? YAMLScalarResolution.resolvePlain(text) : .string(text)  // an application tag: ignored
        }
        let name = tag.dropFirst(Self.tagPrefix.count)
        func bad() -> YAMLError {
            YAMLError(line: line, column: column, problem: "\"\(text)\" cannot be read as !!\(name)")
        }
        switch name {
        case "str":
            return .string(text)
        case "int":
            guard let v = YAMLScalarResolution.resolveInt(text) else { throw bad() }
            return v
        case "float":
            if let v = YAMLScalarResolution.resolveFloat(text) { return v }
            if let v = YAMLScalarResolution.resolveInt(text)?.doubleValue { return .double(v) }
            throw bad()
        case "bool":
            guard let v = YAMLScalarResolution.resolveBool(text) else { throw bad() }
            return v
        case "null":
            guard let v = YAMLScalarResolution.resolveNull(text) else { throw bad() }
            return v
        case "map", "seq":
            throw YAMLError(line: line, column: column, problem: "a scalar cannot have the tag !!\(name)")
        default:
            return plain ? YAMLScalarResolution.resolvePlain(text) : .string(text)
        }
    }

    private func checkCollectionTag(_ tag: UnsafeMutablePointer<yaml_char_t>?, expected: String, line: Int, column: Int) throws {
        guard let tag else { return }
        let t = String(cString: tag)
        guard t.hasPrefix(Self.tagPrefix) else { return }
        let name = t.dropFirst(Self.tagPrefix.count)
        switch name {
        case "str", "int", "float", "bool", "null", "map", "seq":
            if name != expected {
                let kind = expected == "seq" ? "sequence" : "mapping"
                throw YAMLError(line: line, column: column, problem: "a \(kind) cannot have the tag !!\(name)")
            }
        default:
            return
        }
    }

    // MARK: libyaml errors

    private func libyamlError(_ p: yaml_parser_t) -> YAMLError {
        var problem = p.problem.map { String(cString: $0) } ?? "unknown error"
        switch p.error {
        case YAML_MEMORY_ERROR:
            return YAMLError(line: 1, column: 1, problem: "out of memory while reading YAML")
        case YAML_READER_ERROR:
            if p.problem_value != -1 {
                problem += " (byte 0x" + String(p.problem_value, radix: 16) + ")"
            }
            let (line, column) = position(ofByte: Int(p.problem_offset))
            return YAMLError(line: line, column: column, problem: problem)
        default:
            var context: String?
            if let c = p.context {
                context = String(cString: c) + " at line \(p.context_mark.line + 1), column \(p.context_mark.column + 1)"
            }
            return YAMLError(line: Int(p.problem_mark.line) + 1, column: Int(p.problem_mark.column) + 1,
                             problem: problem, context: context)
        }
    }

    /// 1-based line and column (in characters) of a byte offset in the input.
    private func position(ofByte offset: Int) -> (Int, Int) {
        TextPosition.lineAndColumn(ofByte: offset, in: input)
    }
}
