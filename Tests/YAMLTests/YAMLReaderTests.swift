import Foundation
import Testing
@testable import YAML

/// A k9s skin in the shape of derailed/k9s skins/dracula.yaml: a palette of anchors at the top,
/// aliases below, plus merge keys.
let k9sSkin = """
# Dracula-ish skin
foreground: &foreground "#f8f8f2"
background: &background "#282a36"
current_line: &current_line "#44475a"
selection: &selection "#44475a"
cyan: &cyan "#8be9fd"
green: &green "#50fa7b"
orange: &orange "#ffb86c"
pink: &pink "#ff79c6"
purple: &purple "#bd93f9"
red: &red "#ff5555"

k9s:
  body:
    fgColor: *foreground
    bgColor: *background
    logoColor: *purple
  prompt:
    fgColor: *foreground
    bgColor: *background
    suggestColor: *orange
  dialog: &dialog
    fgColor: *foreground
    bgColor: *background
    buttonFgColor: *foreground
  help:
    <<: *dialog
    bgColor: default       # explicit keys win over merged ones
    keyColor: *pink
  info:
    <<: [*dialog, {sectionColor: *green, fgColor: *orange}]
    cpuColor: *cyan
  frame:
    border:
      fgColor: *selection
      focusColor: *current_line
    menu:
      fgColor: *foreground
      keyColor: *pink
      numKeyColor: *pink
  views:
    table:
      fgColor: *foreground
      bgColor: default
      header:
        fgColor: *foreground
        bgColor: *background
        sorterColor: *cyan
    charts:
      defaultDialColors: [*purple, *red]
      resourceColors:
        batch/v1/jobs: [*purple, *green]

"""

@Suite struct YAMLReaderTests {
    @Test func multiDocumentStream() throws {
        let docs = try YAML.parseDocuments("""
        apiVersion: v1
        kind: ConfigMap
        ---
        # a comment-only document body is null
        ---
        - 1
        - two
        --- plain scalar
        ...
        --- |
          block
        """)
        #expect(docs == [["apiVersion": "v1", "kind": "ConfigMap"], nil, [1, "two"], "plain scalar", "block"])
        #expect(try YAML.parseDocuments("") == [])
        #expect(try YAML.parseDocuments("# nothing\n") == [])
        #expect(try YAML.parseDocuments("---\n") == [nil])
        #expect(try YAML.parseDocuments(Data("a: 1\n---\nb: 2\n".utf8)) == [["a": 1], ["b": 2]])
    }

    @Test func parseWantsAtMostOneDocument() throws {
        #expect(try YAML.parse("") == .null)
        #expect(try YAML.parse("   \n# c\n") == .null)
        #expect(try YAML.parse("a: [1, 2]") == ["a": [1, 2]])
        #expect(try YAML.parse(Data("x".utf8)) == "x")
        let e = try #require(throws: YAMLError.self) { try YAML.parse("a: 1\n---\nb: 2\n") }
        #expect(e.line == 2 && e.column == 1)
        #expect(e.problem.contains("single document"))
    }

    @Test func k9sSkinAnchorsAliasesAndMergeKeys() throws {
        let v = try YAML.parse(k9sSkin)
        #expect(v.value(at: "k9s", "body", "fgColor") == "#f8f8f2")
        #expect(v.value(at: "k9s", "body", "logoColor") == "#bd93f9")
        #expect(v.value(at: "k9s", "views", "charts", "defaultDialColors") == ["#bd93f9", "#ff5555"])
        #expect(v.value(at: "k9s", "views", "charts", "resourceColors", "batch/v1/jobs") == ["#bd93f9", "#50fa7b"])
        #expect(v.value(at: "k9s", "help") == [
            "fgColor": "#f8f8f2", "bgColor": "default", "buttonFgColor": "#f8f8f2", "keyColor": "#ff79c6",
        ])
        #expect(v.value(at: "k9s", "help")?.objectValue?.keys == ["fgColor", "buttonFgColor", "bgColor", "keyColor"])
        // Earlier merged mappings win over later ones; explicit keys over both.
        #expect(v.value(at: "k9s", "info") == [
            "fgColor": "#f8f8f2", "bgColor": "#282a36", "buttonFgColor": "#f8f8f2",
            "sectionColor": "#50fa7b", "cpuColor": "#8be9fd",
        ])
        #expect(v.value(at: "k9s", "info", "<<") == nil)
    }

    @Test func yamlDecoder() throws {
        struct Skin: Decodable {
            struct K9s: Decodable {
                struct Body: Decodable { var fgColor: String; var bgColor: String; var logoColor: String? }
                var body: Body
                var help: [String: String]
            }
            var k9s: K9s
        }
        let skin = try YAMLDecoder().decode(Skin.self, from: k9sSkin)
        #expect(skin.k9s.body.bgColor == "#282a36")
        #expect(skin.k9s.help["keyColor"] == "#ff79c6")

        struct Replicas: Decodable { var replicas: UInt8 }
        #expect(throws: DecodingError.self) { try YAMLDecoder().decode(Replicas.self, from: "replicas: 300") }
        #expect(throws: YAMLError.self) { try YAMLDecoder().decode(Replicas.self, from: "replicas: [") }
        #expect(try YAMLDecoder().decode(Replicas.self, from: Data("replicas: 3".utf8)).replicas == 3)
    }

    @Test func mergeKeyDetails() throws {
        // A quoted "<<" is an ordinary key.
        #expect(try YAML.parse("a: &a {x: 1}\nb: {\"<<\": *a}") == ["a": ["x": 1], "b": ["<<": ["x": 1]]])
        // Explicit key before the merge still wins.
        #expect(try YAML.parse("a: &a {x: 1, y: 2}\nb:\n  x: 9\n  <<: *a\n") == ["a": ["x": 1, "y": 2], "b": ["x": 9, "y": 2]])
        // Inline mapping as the merge value.
        #expect(try YAML.parse("b: {<<: {x: 1}, y: 2}") == ["b": ["x": 1, "y": 2]])
        for bad in ["b: {<<: 1}", "b: {<<: [1]}", "a: &a {x: 1}\nb:\n  <<: *a\n  <<: *a\n"] {
            #expect(throws: YAMLError.self, "\(bad)") { try YAML.parse(bad) }
        }
    }

    @Test func flowStyle() throws {
        #expect(try YAML.parse("{a: [1, 2]}") == ["a": [1, 2]])
        #expect(try YAML.parse("[a, {b: c}, [], {}, 'q', \"d\\tq\"]") == ["a", ["b": "c"], [], [:], "q", "d\tq"])
        #expect(try YAML.parse("{a: 1, b: }") == ["a": 1, "b": nil])
    }

    @Test func coreSchemaResolution() throws {
        let cases: [(String, JSONValue)] = [
            ("null", nil), ("Null", nil), ("NULL", nil), ("~", nil), ("", nil),
            ("true", true), ("True", true), ("TRUE", true), ("false", false), ("False", false), ("FALSE", false),
            ("0", 0), ("-12", -12), ("+3", 3), ("0o17", 15), ("0x1F", 31), ("0xff", 255), ("0123", 123),
            ("9223372036854775807", .int(.max)), ("99999999999999999999", .double(1e20)),
            ("1.5", 1.5), ("-1.5", -1.5), ("1e3", 1000.0), ("1.", 1.0), (".5", 0.5), ("+.5e-1", 0.05), ("1.0", 1.0),
            (".inf", .double(.infinity)), ("-.Inf", .double(-.infinity)), ("+.INF", .double(.infinity)),
            // YAML 1.1-only forms are strings under the core schema.
            ("yes", "yes"), ("no", "no"), ("on", "on"), ("off", "off"), ("y", "y"), ("1_000", "1_000"),
            ("0b101", "0b101"), ("12:30", "12:30"), ("2001-12-14", "2001-12-14"), ("0x", "0x"), ("0o8", "0o8"),
            ("0x-1", "0x-1"), ("nan", "nan"), ("inf", "inf"), (".", "."), ("1e", "1e"), ("+", "+"), ("-a", "-a"),
            ("1.2.3", "1.2.3"), ("nULL", "nULL"), ("tRUE", "tRUE"), ("25%", "25%"), ("8Gi", "8Gi"),
        ]
        for (text, expected) in cases {
            #expect(try YAML.parse("v: \(text)")["v"] == expected, "\(text)")
        }
        #expect(try YAML.parse("v: .nan")["v"]?.doubleValue?.isNaN == true)
        #expect(try YAML.parse("v: .NaN")["v"]?.doubleValue?.isNaN == true)
        // Quoted and block scalars are strings.
        #expect(try YAML.parse("a: 'true'\nb: \"1\"\nc: |\n  1\nd: >-\n  null\ne: ''") == ["a": "true", "b": "1", "c": "1\n", "d": "null", "e": ""])
    }

    @Test func tags() throws {
        let v = try YAML.parse("""
        a: !!str 123
        b: !!int "42"
        c: !!float 1
        d: !!bool "true"
        e: !!null ""
        f: !!map {x: 1}
        g: !!seq [1]
        h: !custom 5
        i: !custom "5"
        j: ! 5
        k: !!str
        l: !!timestamp 2001-12-14
        m: !!binary aGVsbG8=
        n: !!float .inf
        o: !!int 0x10
        """)
        #expect(v == [
            "a": "123", "b": 42, "c": 1.0, "d": true, "e": nil, "f": ["x": 1], "g": [1], "h": 5, "i": "5",
            "j": "5", "k": "", "l": "2001-12-14", "m": "aGVsbG8=", "n": .double(.infinity), "o": 16,
        ])
        for bad in ["a: !!int x", "a: !!bool yes", "a: !!null 0", "a: !!float x", "a: !!map 1", "a: !!seq x",
                    "a: !!str [1]", "a: !!seq {x: 1}", "a: !!map [1]"] {
            #expect(throws: YAMLError.self, "\(bad)") { try YAML.parse(bad) }
        }
    }

    @Test func keys() throws {
        let v = try YAML.parse("1: a\ntrue: b\n~: c\n1.5: d\n'q': e\n? explicit\n: f\n")
        #expect(v.objectValue?.keys == ["1", "true", "~", "1.5", "q", "explicit"])
        // An alias to a scalar can be a key.
        #expect(try YAML.parse("a: &k name\n*k : v") == ["a": "name", "name": "v"])
        for bad in ["[a, b]: 1", "{a: 1}: 2", "? [a]\n: 1", "a: &m {x: 1}\n*m : 2"] {
            #expect(throws: YAMLError.self, "\(bad)") { try YAML.parse(bad) }
        }
    }

    @Test func duplicateKeys() throws {
        let e = try #require(throws: YAMLError.self) {
            try YAML.parse("metadata:\n  name: a\n  labels: {}\n  name: b\n")
        }
        #expect(e.line == 4 && e.column == 3)
        #expect(e.problem == "duplicate key \"name\" in a mapping (first defined at line 2)")
        #expect(e.description == "line 4, column 3: duplicate key \"name\" in a mapping (first defined at line 2)")
        // Same key in different mappings is fine; and keys that differ only by quoting are the same key.
        #expect(throws: Never.self) { try YAML.parse("a: {x: 1}\nb: {x: 2}") }
        #expect(throws: YAMLError.self) { try YAML.parse("{a: 1, 'a': 2}") }
        #expect(throws: YAMLError.self) { try YAML.parse("{1: 1, \"1\": 2}") }
    }

    private func error(_ text: String) throws -> YAMLError {
        try #require(throws: YAMLError.self) { try YAML.parseDocuments(text) }
    }

    @Test func errorPositions() throws {
        var e = try error("a: 1\nb: c: d\n")
        #expect(e.line == 2 && e.column == 5)
        #expect(e.problem == "mapping values are not allowed in this context")
        #expect(e.description == "line 2, column 5: mapping values are not allowed in this context")

        e = try error("a: \"unterminated\nb: 2\n")
        #expect(e.line == 3 && e.column == 1)
        #expect(e.problem == "found unexpected end of stream")
        #expect(e.context == "while scanning a quoted scalar at line 1, column 4")

        e = try error("a:\n  - 1\n - 2\n")
        #expect(e.line == 3 && e.column == 2)
        #expect(e.problem == "did not find expected key")
        #expect(e.context == "while parsing a block mapping at line 1, column 1")

        e = try error("a:\n\tb: 1\n")
        #expect(e.line == 2 && e.column == 1)
        #expect(e.problem == "found character that cannot start any token")

        e = try error("key: [1, 2\nother: 3\n")
        #expect(e.line == 2 && e.column == 6)
        #expect(e.problem == "did not find expected ',' or ']'")
        #expect(e.context == "while parsing a flow sequence at line 1, column 6")

        e = try error("x: 1\ny: *nope\n")
        #expect(e.line == 2 && e.column == 4)
        #expect(e.problem.contains("unknown alias \"nope\""))

        e = try error("ok: 1\n[a, b]: 1\n")
        #expect(e.line == 2 && e.column == 1)

        e = try error("a:\n  b: !!int x\n")
        #expect(e.line == 2 && e.column == 6)

        e = try error("é: ü\n  x: ]\n")  // columns count characters
        #expect(e.line == 2 && e.column == 4)
    }

    @Test func badBytesAreErrorsNotCrashes() throws {
        var e = try #require(throws: YAMLError.self) { try YAML.parseDocuments(Data("a: b\nc: \u{FF}".utf8.map { $0 } + [0xFF])) }
        #expect(e.line == 2 && e.column == 5)
        #expect(e.problem.hasPrefix("invalid leading UTF-8 octet"))
        e = try #require(throws: YAMLError.self) { try YAML.parseDocuments(Data([0x61, 0x3A, 0x20, 0x00, 0x0A])) }
        #expect(e.line == 1 && e.column == 4)
        #expect(throws: YAMLError.self) { try YAML.parseDocuments("a: \u{0}") }
        #expect(throws: YAMLError.self) { try YAML.parseDocuments(Data([0x22, 0xC3])) }
        #expect(throws: YAMLError.self) { try YAML.parseDocuments("'unterminated") }
        #expect(throws: YAMLError.self) { try YAML.parseDocuments("a: [b\n- c") }
        // UTF-16 with a BOM is decoded by libyaml.
        let utf16 = Data([0xFF, 0xFE]) + "a: é".data(using: .utf16LittleEndian)!
        #expect(try YAML.parse(utf16) == ["a": "é"])
    }

    @Test func aliasBombIsRejected() throws {
        var lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        for i in 1..<names.count {
            let prev = "*" + names[i - 1]
            lines.append("\(names[i]): &\(names[i]) [\(Array(repeating: prev, count: 9).joined(separator: ", "))]")
        }
        let e = try #require(throws: YAMLError.self) { try YAML.parse(lines.joined(separator: "\n")) }
        #expect(e.problem.contains("alias"))
        // Merge keys count too.
        var merge = ["a0: &a0 {k: v}"]
        for i in 1..<40 { merge.append("a\(i): &a\(i) [\(Array(repeating: "*a\(i - 1)", count: 4).joined(separator: ", "))]") }
        #expect(throws: YAMLError.self) { try YAML.parse(merge.joined(separator: "\n")) }
        // A reasonable number of aliases is fine.
        #expect(throws: Never.self) { try YAML.parse(lines.prefix(5).joined(separator: "\n")) }
    }

    @Test func recursiveAliasIsAnError() throws {
        #expect(throws: YAMLError.self) { try YAML.parse("a: &a [1, *a]") }
        #expect(throws: YAMLError.self) { try YAML.parse("a: &a {b: *a}") }
    }

    @Test func anchorsArePerDocument() throws {
        #expect(throws: YAMLError.self) { try YAML.parseDocuments("a: &x 1\n---\nb: *x\n") }
        // Redefining an anchor: later aliases see the newer value.
        #expect(try YAML.parse("a: &x 1\nb: *x\nc: &x 2\nd: *x") == ["a": 1, "b": 1, "c": 2, "d": 2])
    }

    @Test func deepNestingIsRejectedWithoutCrashing() throws {
        let ok = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(throws: Never.self) { try YAML.parse(ok) }
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: YAMLError.self) { try YAML.parse(deep) }
        var block = ""
        for i in 0..<600 { block += String(repeating: " ", count: i) + "k:\n" }
        #expect(throws: YAMLError.self) { try YAML.parse(block) }
    }

    @Test func blockScalars() throws {
        let v = try YAML.parse("""
        lit: |
          line 1
            indented
          line 3
        strip: |-
          x
        keep: |+
          x

        folded: >
          a
          b

          c
        indicator: |2
            two extra
        """)
        #expect(v["lit"] == "line 1\n  indented\nline 3\n")
        #expect(v["strip"] == "x")
        #expect(v["keep"] == "x\n\n")
        #expect(v["folded"] == "a b\nc\n")
        #expect(v["indicator"] == "  two extra")  // the text ends without a newline
    }

    @Test func fixtureManifestsParse() throws {
        let files = Fixtures.files(under: ["real-apiserver"], extensions: ["yaml"])
        #expect(files.count >= 5)
        for url in files {
            let docs = try YAML.parseDocuments(Data(contentsOf: url))
            #expect(!docs.isEmpty, "\(url.lastPathComponent)")
            #expect(docs.allSatisfy { $0["apiVersion"]?.stringValue != nil || $0.isNull }, "\(url.lastPathComponent)")
        }
        let dep = try YAML.parse(Data(contentsOf: Fixtures.root.appendingPathComponent("real-apiserver/02-deployment-rollout/vllm-qwen.deployment.yaml")))
        #expect(dep.value(at: "spec", "replicas") == 2)
        #expect(dep.value(at: "spec", "template", "metadata", "annotations", "prometheus.io/scrape") == "true")
        #expect(dep.value(at: "spec", "template", "spec", "containers", "0", "args", "5") == "8192")
    }

    @Test func yamlAndJSONAgree() throws {
        // JSON is (nearly) YAML: every fixture's JSON text reads to the same value through libyaml.
        for url in Fixtures.jsonFiles.prefix(40) {
            let data = try Data(contentsOf: url)
            #expect(try YAML.parse(data) == JSONValue(json: data), "\(url.lastPathComponent)")
        }
    }
}
