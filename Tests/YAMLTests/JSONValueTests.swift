import Foundation
import KvdeckTestSupport
import Testing
@testable import YAML

/// The shared fixtures: recorded API server responses and objects from public repositories.
enum Fixtures {
    static var root: URL { SharedFixtures.kube }

    static func files(under dirs: [String], extensions: Set<String>) -> [URL] {
        var result: [URL] = []
        for dir in dirs {
            let base = root.appendingPathComponent(dir)
            guard let e = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { continue }
            for case let url as URL in e where extensions.contains(url.pathExtension) {
                result.append(url)
            }
        }
        return result.sorted { $0.path < $1.path }
    }

    static var jsonFiles: [URL] { files(under: ["real-apiserver", "public-repos"], extensions: ["json"]) }
}

@Suite struct JSONParsingTests {
    @Test func everyFixtureParsesAndRoundTrips() throws {
        let files = Fixtures.jsonFiles
        #expect(files.count > 100, "fixtures missing? found \(files.count)")
        for url in files {
            let data = try Data(contentsOf: url)
            let v: JSONValue
            do {
                v = try JSONValue(json: data)
            } catch {
                Issue.record("\(url.lastPathComponent): \(error)")
                continue
            }
            let compact = v.jsonData()
            #expect(try JSONValue(json: compact) == v, "\(url.lastPathComponent) compact")
            let pretty = v.jsonString(pretty: true)
            #expect(try JSONValue(json: pretty) == v, "\(url.lastPathComponent) pretty")
            // Serializing is stable: the second pass writes the same bytes, keys in the same order.
            #expect(try JSONValue(json: compact).jsonData() == compact)
        }
    }

    @Test func agreesWithFoundationJSONSerialization() throws {
        for url in Fixtures.jsonFiles {
            let data = try Data(contentsOf: url)
            let ours = try JSONValue(json: data)
            let theirs = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            try compare(ours, theirs, path: url.lastPathComponent)
        }
    }

    private func compare(_ ours: JSONValue, _ theirs: Any, path: String) throws {
        switch ours {
        case .null:
            #expect(theirs is NSNull, "\(path)")
        case .bool(let b):
            #expect((theirs as? NSNumber)?.boolValue == b, "\(path)")
        case .int(let i):
            #expect((theirs as? NSNumber)?.int64Value == i, "\(path)")
        case .double(let d):
            #expect((theirs as? NSNumber)?.doubleValue == d, "\(path)")
        case .string(let s):
            #expect(theirs as? String == s, "\(path)")
        case .array(let a):
            let t = try #require(theirs as? [Any], "\(path)")
            #expect(a.count == t.count, "\(path)")
            for (i, (x, y)) in zip(a, t).enumerated() { try compare(x, y, path: "\(path)[\(i)]") }
        case .object(let o):
            let t = try #require(theirs as? [String: Any], "\(path)")
            #expect(o.count == t.count, "\(path)")
            for (k, v) in o.entries {
                let y = try #require(t[k], "\(path).\(k) missing in Foundation's result")
                try compare(v, y, path: "\(path).\(k)")
            }
        }
    }

    @Test func keysKeepTheirOrder() throws {
        let v = try JSONValue(json: #"{"z":1,"a":2,"m":{"y":true,"b":null}}"#)
        #expect(v.objectValue?.keys == ["z", "a", "m"])
        #expect(v.jsonString() == #"{"z":1,"a":2,"m":{"y":true,"b":null}}"#)
    }

    @Test func numbers() throws {
        #expect(try JSONValue(json: "0") == .int(0))
        #expect(try JSONValue(json: "-0") == .int(0))
        #expect(try JSONValue(json: "9223372036854775807") == .int(.max))
        #expect(try JSONValue(json: "-9223372036854775808") == .int(.min))
        #expect(try JSONValue(json: "9223372036854775808") == .double(9223372036854775808))
        #expect(try JSONValue(json: "-9223372036854775809") == .double(-9.223372036854775808e18))
        #expect(try JSONValue(json: "1.5") == .double(1.5))
        #expect(try JSONValue(json: "1.0") == .double(1.0))
        #expect(try JSONValue(json: "1e3") == .double(1000))
        #expect(try JSONValue(json: "-2.5E-3") == .double(-0.0025))
        #expect(try JSONValue(json: "[1,2.0]").jsonString() == "[1,2.0]")
        #expect(JSONValue.double(.nan).jsonString() == "null")
        #expect(JSONValue.double(-.infinity).jsonString() == "null")
        #expect(JSONValue.int(.min).jsonString() == "-9223372036854775808")
        #expect(JSONValue.double(0.1).jsonString() == "0.1")
        for bad in ["01", "1.", ".5", "-", "+1", "1e", "1e+", "0x10", "NaN", "Infinity", "1.5.2"] {
            #expect(throws: JSONParseError.self, "\(bad)") { try JSONValue(json: bad) }
        }
    }

    @Test func stringsAndEscapes() throws {
        #expect(try JSONValue(json: #""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{8}\u{c}\n\r\t"))
        #expect(try JSONValue(json: #""\u00e9\u4e2d\uD83D\uDE00""#) == .string("é中😀"))
        #expect(try JSONValue(json: "\"é中😀\"") == .string("é中😀"))
        #expect(try JSONValue(json: #""\u0000""#) == .string("\u{0}"))
        // Lone or misordered surrogates are errors.
        for bad in [#""\uD83D""#, #""\uDE00""#, #""\uD83Dx""#, #""\uD83D\u0041""#, #""\u12""#, #""\x""#] {
            #expect(throws: JSONParseError.self, "\(bad)") { try JSONValue(json: bad) }
        }
        // Raw control characters must be escaped.
        #expect(throws: JSONParseError.self) { try JSONValue(json: "\"a\nb\"") }
        // Serializing escapes what JSON needs and nothing else.
        let s = JSONValue.string("q\"b\\s/n\n\u{1}é😀")
        #expect(s.jsonString() == #""q\"b\\s/n\n\u0001é😀""#)
        #expect(try JSONValue(json: s.jsonString()) == s)
    }

    @Test func invalidUTF8IsAnError() throws {
        let cases: [[UInt8]] = [
            [0x22, 0xFF, 0x22],              // invalid byte
            [0x22, 0xC3, 0x22],              // truncated sequence
            [0x22, 0xC0, 0xAF, 0x22],        // overlong
            [0x22, 0xED, 0xA0, 0x80, 0x22],  // encoded surrogate
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
        ]
        for bytes in cases {
            #expect(throws: JSONParseError.self, "\(bytes)") { try JSONValue(json: Data(bytes)) }
        }
    }

    @Test func errorPositions() throws {
        func err(_ s: String) throws -> JSONParseError {
            do {
                _ = try JSONValue(json: s)
            } catch let e as JSONParseError {
                return e
            }
            throw CancellationError()
        }
        var e = try err("{\"a\": 1,\n \"b\" 2}")
        #expect(e.line == 2)
        #expect(e.column == 6)
        #expect(e.offset == 14)
        #expect(e.expected == "':' after an object key")
        #expect(e.found == "'2'")
        #expect(e.description == "invalid JSON at line 2, column 6 (byte 14): expected ':' after an object key, found '2'")

        e = try err("[1, 2")
        #expect(e.line == 1 && e.column == 6 && e.found == "end of input")

        e = try err("{\"é\": x}")
        #expect(e.line == 1 && e.column == 7 && e.offset == 7)  // columns count characters, offsets bytes

        e = try err("{\"a\":1} x")
        #expect(e.column == 9)
        #expect(e.expected == "end of input after the value")

        e = try err("")
        #expect(e.expected == "a value")
        e = try err("[1,]")
        #expect(e.column == 4 && e.expected == "a value")
        e = try err("{,}")
        #expect(e.column == 2 && e.expected == "a string key")
        e = try err("tru")
        #expect(e.column == 4)
        e = try err("nul1")
        #expect(e.column == 4)
    }

    @Test func deepNestingIsRejectedWithoutCrashing() throws {
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(throws: Never.self) { try JSONValue(json: ok) }
        let tooDeep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        #expect(throws: JSONParseError.self) { try JSONValue(json: tooDeep) }
        let hostile = String(repeating: "{\"a\":[", count: 200_000)
        #expect(throws: JSONParseError.self) { try JSONValue(json: hostile) }
    }

    @Test func whitespaceAndBOM() throws {
        #expect(try JSONValue(json: " \t\r\n {\"a\" : [ 1 , 2 ] } \n") == ["a": [1, 2]])
        #expect(try JSONValue(json: Data([0xEF, 0xBB, 0xBF] + Array("[]".utf8))) == [])
    }

    @Test func prettyPrinting() throws {
        let v: JSONValue = ["a": 1, "b": [true, nil], "c": [:], "d": []]
        #expect(v.jsonString(pretty: true) == """
        {
          "a": 1,
          "b": [
            true,
            null
          ],
          "c": {},
          "d": []
        }
        """)
        #expect(v.jsonString() == #"{"a":1,"b":[true,null],"c":{},"d":[]}"#)
    }
}

@Suite struct JSONValueAccessTests {
    @Test func accessors() throws {
        var v = try JSONValue(json: #"{"spec":{"replicas":3,"containers":[{"image":"vllm:0.6","args":["--x"]}]},"ok":true,"r":2.0,"s":"x","n":null}"#)
        #expect(v["spec"]?["replicas"]?.intValue == 3)
        #expect(v.value(at: "spec", "containers", "0", "image")?.stringValue == "vllm:0.6")
        #expect(v.value(at: "spec", "containers", "1") == nil)
        #expect(v.value(at: "spec", "containers", "x") == nil)
        #expect(v.value(at: []) == v)
        #expect(v["spec"]?["containers"]?[0]?["args"]?[0] == "--x")
        #expect(v["spec"]?["containers"]?[5] == nil)
        #expect(v["spec"]?["containers"]?[-1] == nil)
        #expect(v["ok"]?.boolValue == true)
        #expect(v["r"]?.intValue == 2)
        #expect(v["r"]?.doubleValue == 2)
        #expect(v["spec"]?["replicas"]?.doubleValue == 3)
        #expect(v["s"]?.intValue == nil)
        #expect(v["n"]?.isNull == true)
        #expect(v["missing"] == nil)
        #expect(v["spec"]?.objectValue?.keys == ["replicas", "containers"])
        #expect(v.value(at: "spec", "containers")?.arrayValue?.count == 1)
        #expect(JSONValue.double(2.5).intValue == nil)
        #expect(JSONValue.double(1e30).intValue == nil)

        v["spec"]?["replicas"] = 5
        #expect(v.value(at: "spec", "replicas") == .int(5))
        v["added"] = "new"
        #expect(v.objectValue?.keys.last == "added")
        v["ok"] = nil
        #expect(v["ok"] == nil)
        #expect(v.objectValue?.keys.contains("ok") == false)

        var s: JSONValue = "string"
        s["x"] = 1  // not an object: no-op
        #expect(s == "string")
    }

    @Test func literals() {
        let v: JSONValue = ["s": "x", "i": 1, "d": 1.5, "b": false, "a": [1, "two"], "n": nil]
        #expect(v["s"] == .string("x"))
        #expect(v["i"] == .int(1))
        #expect(v["d"] == .double(1.5))
        #expect(v["b"] == .bool(false))
        #expect(v["a"] == .array([.int(1), .string("two")]))
        #expect(v["n"] == .null)
        #expect(v.objectValue?.keys == ["s", "i", "d", "b", "a", "n"])
    }

    @Test func objectEqualityIgnoresOrder() throws {
        #expect(try JSONValue(json: #"{"a":1,"b":2}"#) == JSONValue(json: #"{"b":2,"a":1}"#))
        #expect(try JSONValue(json: #"{"a":1}"#) != JSONValue(json: #"{"a":1.0}"#))
    }
}

// MARK: - Codable

private enum Phase: String, Codable { case pending = "Pending", running = "Running" }

private enum Shape: Codable, Equatable {
    case circle(radius: Double)
    case rect(w: Int, h: Int)
}

private struct Port: Codable, Equatable {
    var name: String?
    var containerPort: Int32
    var proto: String

    enum CodingKeys: String, CodingKey {
        case name, containerPort
        case proto = "protocol"
    }
}

private struct Container: Codable, Equatable {
    var name: String
    var image: String?
    var ports: [Port]
    var args: [[String]]
    var env: [String: String]?
    var gpu: UInt8
    var ratio: Float
    var phase: Phase
    var shapes: [Shape]
    var extra: JSONValue?
    var flags: [Bool?]
}

private class Base: Codable {
    var id: Int
    init(id: Int) { self.id = id }
}

private final class Derived: Base {
    var label: String
    init(id: Int, label: String) {
        self.label = label
        super.init(id: id)
    }
    enum CodingKeys: String, CodingKey { case label }
    required init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        label = try c.decode(String.self, forKey: .label)
        try super.init(from: c.superDecoder())
    }
    override func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(label, forKey: .label)
        try super.encode(to: c.superEncoder())
    }
}

@Suite struct JSONValueCodableTests {
    private let sample = Container(
        name: "vllm", image: nil,
        ports: [Port(name: "http", containerPort: 8000, proto: "TCP"), Port(name: nil, containerPort: 9090, proto: "UDP")],
        args: [["--model", "qwen"], [], ["--tp", "2"]],
        env: ["A": "1"], gpu: 8, ratio: 0.5, phase: .running,
        shapes: [.circle(radius: 1.5), .rect(w: 2, h: 3)],
        extra: ["k": [1, 2.5, "x", nil]], flags: [true, nil, false])

    @Test func roundTrip() throws {
        let v = try JSONValueEncoder().encode(sample)
        #expect(v["image"] == nil, "nil optionals are left out")
        #expect(v["ports"]?[0]?["protocol"] == "TCP")
        #expect(v["ports"]?[1]?.objectValue?.keys == ["containerPort", "protocol"])
        #expect(v["gpu"] == .int(8))
        #expect(v["phase"] == "Running")
        #expect(v["flags"] == [true, nil, false])
        #expect(v.objectValue?.keys == ["name", "ports", "args", "env", "gpu", "ratio", "phase", "shapes", "extra", "flags"])
        let back = try JSONValueDecoder().decode(Container.self, from: v)
        #expect(back == sample)
        // And through JSON text, and against Foundation's coders.
        let viaText = try JSONValueDecoder().decode(Container.self, from: JSONValue(json: v.jsonData()))
        #expect(viaText == sample)
        let foundation = try JSONDecoder().decode(Container.self, from: v.jsonData())
        #expect(foundation == sample)
        let fromFoundation = try JSONValue(json: JSONEncoder().encode(sample))
        #expect(fromFoundation == v)
    }

    @Test func jsonValueAsAFieldWithFoundationCoders() throws {
        struct Wrapper: Codable, Equatable { var raw: JSONValue }
        let w = Wrapper(raw: ["a": [1, 2.5, true, nil, "s", ["x": [:]]]])
        let data = try JSONEncoder().encode(w)
        #expect(try JSONDecoder().decode(Wrapper.self, from: data) == w)
        #expect(try JSONValueDecoder().decode(Wrapper.self, from: JSONValue(json: data)) == w)
    }

    @Test func superDecoderAndEncoder() throws {
        let v = try JSONValueEncoder().encode(Derived(id: 7, label: "x"))
        #expect(v == ["label": "x", "super": ["id": 7]])
        let d = try JSONValueDecoder().decode(Derived.self, from: v)
        #expect(d.id == 7 && d.label == "x")
    }

    @Test func decodeIfPresentAndNull() throws {
        struct S: Codable { var a: Int?; var b: String? }
        let s = try JSONValueDecoder().decode(S.self, from: ["a": nil])
        #expect(s.a == nil && s.b == nil)
        #expect(try JSONValueEncoder().encode(s) == [:])
    }

    @Test func strictTypesAndRanges() throws {
        struct Small: Codable { var v: UInt8 }
        struct I: Codable { var v: Int }
        struct F: Codable { var v: Float }
        let d = JSONValueDecoder()
        #expect(try d.decode(Small.self, from: ["v": 255]).v == 255)
        #expect(try d.decode(I.self, from: ["v": 5.0]).v == 5)
        #expect(try d.decode(F.self, from: ["v": 1]).v == 1)

        func expectError(_ body: () throws -> Void, _ check: (DecodingError) -> Bool) {
            do {
                try body()
                Issue.record("no error")
            } catch let e as DecodingError {
                #expect(check(e), "\(e)")
            } catch {
                Issue.record("wrong error \(error)")
            }
        }
        expectError({ _ = try d.decode(Small.self, from: ["v": 300]) }) {
            if case .dataCorrupted(let c) = $0 { return c.codingPath.map(\.stringValue) == ["v"] }
            return false
        }
        expectError({ _ = try d.decode(Small.self, from: ["v": -1]) }) {
            if case .dataCorrupted = $0 { return true }
            return false
        }
        expectError({ _ = try d.decode(I.self, from: ["v": "5"]) }) {
            if case .typeMismatch(_, let c) = $0 { return c.codingPath.map(\.stringValue) == ["v"] }
            return false
        }
        expectError({ _ = try d.decode(I.self, from: ["v": 5.5]) }) {
            if case .dataCorrupted = $0 { return true }
            return false
        }
        expectError({ _ = try d.decode(I.self, from: [:]) }) {
            if case .keyNotFound(let k, _) = $0 { return k.stringValue == "v" }
            return false
        }
        expectError({ _ = try d.decode(I.self, from: ["v": nil]) }) {
            if case .valueNotFound = $0 { return true }
            return false
        }
        expectError({ _ = try d.decode(F.self, from: ["v": 1e300]) }) {
            if case .dataCorrupted = $0 { return true }
            return false
        }
        expectError({ _ = try d.decode(Container.self, from: ["name": "x", "ports": [["containerPort": "80", "protocol": "TCP"]]]) }) {
            if case .typeMismatch(_, let c) = $0 {
                return c.codingPath.map(\.stringValue) == ["ports", "Index 0", "containerPort"]
            }
            return false
        }
        expectError({ _ = try d.decode([Int].self, from: "notarray") }) {
            if case .typeMismatch = $0 { return true }
            return false
        }
    }

    @Test func topLevelValues() throws {
        #expect(try JSONValueEncoder().encode(5) == 5)
        #expect(try JSONValueEncoder().encode([1, 2]) == [1, 2])
        #expect(try JSONValueEncoder().encode(UInt64.max) == .double(Double(UInt64.max)))
        #expect(try JSONValueEncoder().encode(["k": 1.5]) == ["k": 1.5])
        #expect(try JSONValueDecoder().decode([String: [Int]].self, from: ["a": [1]]) == ["a": [1]])
        #expect(try JSONValueDecoder().decode(JSONValue.self, from: ["a": [1]]) == ["a": [1]])
        #expect(try JSONValueDecoder().decode(Int?.self, from: nil) == nil)
    }
}
