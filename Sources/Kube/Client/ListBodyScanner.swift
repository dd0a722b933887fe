import Foundation

/// Finds the parts of a LIST body (`{"kind":…,"metadata":{…},"items":[…]}`) while its bytes
/// arrive, so that each item can be decoded on its own and the whole body is never held: an API
/// server answers a `resourceVersion=0` list from its watch cache in one response whatever the
/// `limit`, and decoding such a body in one `JSONDecoder` call peaks at about six times its size.
///
/// It tracks nesting, strings and escapes across chunk boundaries. The structure of the top-level
/// object and of the `items` array is checked here; what is inside `metadata` and inside each item
/// is left to the decoder that reads the part. Only the bytes of the part being read are kept.
struct ListBodyScanner: Sendable {
    /// A complete part of the body, in the order it appeared.
    enum Part: Equatable, Sendable {
        /// The bytes of the top-level `metadata` value.
        case metadata(Data)
        /// The bytes of one element of the top-level `items` array.
        case item(Data)
    }

    /// The largest single part (one item, or the metadata) accepted: a part that grows past it
    /// means a broken or hostile body, and holding it would defeat the point of streaming.
    static let defaultMaxPartSize = 64 << 20

    private enum Expect: Sendable {
        case rootOpen, keyOrEnd, key, keyText, colon, topValue, topValueDone
        case itemOrEnd, item, itemDone, end
        /// Inside a value; `valueKind` says how it ends, `valueOwner` what it is.
        case inValue
    }
    private enum ValueKind: Sendable { case container, string, scalar }
    private enum ValueOwner: Sendable { case skipped, metadata, itemsScalar, item }

    let context: String
    let maxPartSize: Int
    private var expect = Expect.rootOpen
    private var valueKind = ValueKind.container
    private var valueOwner = ValueOwner.skipped
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var capturing = false
    /// Bytes of the captured part from earlier chunks.
    private var pending: [UInt8] = []
    /// Raw bytes of the top-level key being read, and the last key read.
    private var keyBytes: [UInt8] = []
    private var key = ""
    /// Bytes seen before the current chunk, for error positions.
    private var offset = 0
    private(set) var itemCount = 0

    init(context: String, maxPartSize: Int = ListBodyScanner.defaultMaxPartSize) {
        self.context = context
        self.maxPartSize = maxPartSize
    }

    /// The parts this chunk completes.
    mutating func append(_ chunk: Data) throws -> [Part] {
        var parts: [Part] = []
        try chunk.withUnsafeBytes { raw in
            try scan(raw.bindMemory(to: UInt8.self), into: &parts)
        }
        offset += chunk.count
        return parts
    }

    /// Call at the end of the body: throws unless the top-level object was complete.
    func finish() throws {
        guard expect == .end else {
            throw fail(offset == 0 ? "the body is empty" : "the body ends before the list is complete (after \(offset) bytes, \(itemCount) items)")
        }
    }

    // MARK: - Scanning

    private mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>, into parts: inout [Part]) throws {
        let n = bytes.count
        var i = 0
        // Where the part being captured starts in this chunk.
        var captureStart = 0
        while i < n {
            if expect == .inValue {
                let end: Int?
                switch valueKind {
                case .container: end = scanContainer(bytes, from: &i)
                case .string: end = scanString(bytes, from: &i)
                case .scalar:
                    while i < n, Self.isScalarByte(bytes[i]) { i += 1 }
                    end = i < n ? i : nil
                }
                guard let end else { break }
                try finishValue(bytes, captureStart: captureStart, end: end, into: &parts)
                continue
            }
            let b = bytes[i]
            if expect == .keyText {
                // Top-level keys are short ("kind", "metadata", "items"): byte by byte is fine.
                i += 1
                if escaped {
                    escaped = false
                } else if b == UInt8(ascii: "\\") {
                    escaped = true
                } else if b == UInt8(ascii: "\"") {
                    key = try Self.keyText(keyBytes) ?? { throw fail("a key is not valid JSON text at byte \(offset + i)") }()
                    keyBytes.removeAll(keepingCapacity: true)
                    expect = .colon
                    continue
                }
                keyBytes.append(b)
                if keyBytes.count > 1024 { throw fail("a top-level key longer than 1024 bytes at byte \(offset + i)") }
                continue
            }
            if Self.isWhitespace(b) {
                i += 1
                continue
            }
            switch expect {
            case .rootOpen:
                guard b == UInt8(ascii: "{") else { throw unexpected(b, at: i, wanted: "a JSON object") }
                expect = .keyOrEnd
                i += 1
            case .keyOrEnd, .key:
                if b == UInt8(ascii: "\"") {
                    expect = .keyText
                } else if b == UInt8(ascii: "}"), expect == .keyOrEnd {
                    expect = .end
                } else {
                    throw unexpected(b, at: i, wanted: "a key")
                }
                i += 1
            case .colon:
                guard b == UInt8(ascii: ":") else { throw unexpected(b, at: i, wanted: "':'") }
                expect = .topValue
                i += 1
            case .topValue:
                switch key {
                case "items":
                    if b == UInt8(ascii: "[") {
                        expect = .itemOrEnd
                        i += 1
                    } else if b == UInt8(ascii: "n") {
                        // `"items": null`: an empty list from some server versions.
                        captureStart = i
                        try beginValue(b, at: &i, owner: .itemsScalar, capture: true)
                    } else {
                        throw fail("items is not a list (at byte \(offset + i))")
                    }
                case "metadata":
                    captureStart = i
                    try beginValue(b, at: &i, owner: .metadata, capture: true)
                default:
                    try beginValue(b, at: &i, owner: .skipped, capture: false)
                }
            case .topValueDone:
                if b == UInt8(ascii: ",") {
                    expect = .key
                } else if b == UInt8(ascii: "}") {
                    expect = .end
                } else {
                    throw unexpected(b, at: i, wanted: "',' or '}'")
                }
                i += 1
            case .itemOrEnd, .item:
                if b == UInt8(ascii: "]"), expect == .itemOrEnd {
                    expect = .topValueDone
                    i += 1
                } else {
                    captureStart = i
                    try beginValue(b, at: &i, owner: .item, capture: true)
                }
            case .itemDone:
                if b == UInt8(ascii: ",") {
                    expect = .item
                } else if b == UInt8(ascii: "]") {
                    expect = .topValueDone
                } else {
                    throw unexpected(b, at: i, wanted: "',' or ']' after item \(itemCount - 1)")
                }
                i += 1
            case .end:
                throw unexpected(b, at: i, wanted: "the end of the body")
            case .keyText, .inValue:
                preconditionFailure("handled above")
            }
        }
        if capturing, expect == .inValue {
            pending.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[captureStart..<n]))
            if pending.count > maxPartSize {
                throw fail(valueOwner == .item
                           ? "item \(itemCount) is larger than \(maxPartSize) bytes"
                           : "metadata is larger than \(maxPartSize) bytes")
            }
        }
    }

    /// Starts a value at `bytes[i]`, consuming its opening byte if it has one.
    private mutating func beginValue(_ b: UInt8, at i: inout Int, owner: ValueOwner, capture: Bool) throws {
        if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") {
            valueKind = .container
            depth = 1
            inString = false
            escaped = false
            i += 1
        } else if b == UInt8(ascii: "\"") {
            valueKind = .string
            escaped = false
            i += 1
        } else if Self.isScalarByte(b) {
            valueKind = .scalar
        } else {
            throw unexpected(b, at: i, wanted: owner == .item ? "an item" : "a value")
        }
        valueOwner = owner
        capturing = capture
        expect = .inValue
    }

    /// Advances to the end of a container; returns the index after its closing bracket, or nil
    /// if the chunk ends first. Kept to locals so the loop stays in registers.
    private mutating func scanContainer(_ bytes: UnsafeBufferPointer<UInt8>, from index: inout Int) -> Int? {
        var i = index
        let n = bytes.count
        var depth = self.depth
        var inString = self.inString
        var escaped = self.escaped
        defer {
            index = i
            self.depth = depth
            self.inString = inString
            self.escaped = escaped
        }
        while i < n {
            let b = bytes[i]
            i += 1
            if inString {
                if escaped {
                    escaped = false
                } else if b == UInt8(ascii: "\\") {
                    escaped = true
                } else if b == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if b == UInt8(ascii: "\"") {
                inString = true
            } else if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") {
                depth += 1
            } else if b == UInt8(ascii: "}") || b == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0 { return i }
            }
        }
        return nil
    }

    /// Advances to the closing quote of a string value; returns the index after it, or nil.
    private mutating func scanString(_ bytes: UnsafeBufferPointer<UInt8>, from index: inout Int) -> Int? {
        var i = index
        var escaped = self.escaped
        defer {
            index = i
            self.escaped = escaped
        }
        while i < bytes.count {
            let b = bytes[i]
            i += 1
            if escaped {
                escaped = false
            } else if b == UInt8(ascii: "\\") {
                escaped = true
            } else if b == UInt8(ascii: "\"") {
                return i
            }
        }
        return nil
    }

    private mutating func finishValue(_ bytes: UnsafeBufferPointer<UInt8>, captureStart: Int, end: Int,
                                      into parts: inout [Part]) throws {
        var data = Data()
        if capturing {
            let tail = UnsafeBufferPointer(rebasing: bytes[captureStart..<end])
            if pending.isEmpty {
                data = Data(buffer: tail)
            } else {
                pending.append(contentsOf: tail)
                data = Data(pending)
                // Do not keep a large item's capacity for the rest of the list.
                pending.removeAll(keepingCapacity: pending.count <= 1 << 20)
            }
            if data.count > maxPartSize {
                throw fail(valueOwner == .item ? "item \(itemCount) is larger than \(maxPartSize) bytes"
                                               : "metadata is larger than \(maxPartSize) bytes")
            }
        }
        capturing = false
        switch valueOwner {
        case .skipped:
            expect = .topValueDone
        case .metadata:
            parts.append(.metadata(data))
            expect = .topValueDone
        case .itemsScalar:
            guard data == Data("null".utf8) else { throw fail("items is not a list") }
            expect = .topValueDone
        case .item:
            parts.append(.item(data))
            itemCount += 1
            expect = .itemDone
        }
    }

    // MARK: - Helpers

    private static func isWhitespace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09
    }

    /// Bytes that may make up a number, `true`, `false` or `null`.
    private static func isScalarByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
            || b == UInt8(ascii: "-") || b == UInt8(ascii: "+") || b == UInt8(ascii: ".") || b == UInt8(ascii: "E")
    }

    /// The text of a key; escapes (never sent by API servers, but valid JSON) are resolved.
    private static func keyText(_ raw: [UInt8]) -> String? {
        guard raw.contains(UInt8(ascii: "\\")) else { return String(decoding: raw, as: UTF8.self) }
        return try? JSONDecoder().decode(String.self, from: Data([UInt8(ascii: "\"")] + raw + [UInt8(ascii: "\"")]))
    }

    private func unexpected(_ b: UInt8, at i: Int, wanted: String) -> KubeClientError {
        let shown = b >= 0x20 && b < 0x7F ? "'\(Character(Unicode.Scalar(b)))'" : String(format: "byte 0x%02x", b)
        return fail("expected \(wanted) at byte \(offset + i), found \(shown)")
    }

    private func fail(_ detail: String) -> KubeClientError {
        .undecodableResponse(context: context, detail: detail)
    }
}
