import Foundation
import KvdeckTestSupport
import Testing
@testable import YAML


/// Strings that trip up YAML writers.
let nastyStrings: [String] = [
    "", " ", "  ", "\t", "yes", "no", "on", "off", "y", "n", "Y", "N", "YES", "Off", "~", "null", "Null", "NULL",
    "true", "False", "TRUE", "0755", "0", "-0", "1e3", "1E3", ".5", "5.", "0x1F", "0o17", "0b101", "+1", "-1", "1_000",
    "12:30", "190:20:30", "2001-12-14", "2001-12-14t21:59:43.10-05:00", ".inf", "-.Inf", ".nan", "NaN", "<<", "=",
    "-", "- a", "-a", "--model", "?", "? a", "?a", ":", ": a", ":a", "a:", "a: b", "a:b", "a #b", "a#b", "#x", "# x",
    "&a", "*a", "!t", "!!str", "|", "|-", ">", "'", "''", "\"", "%YAML", "@x", "`x", "[", "]", "[a]", "{", "}", "{a: 1}",
    ",", "a,b", "---", "...", "--- x", "... x", "a\nb", "a\n", "a\n\n", "\n", "\n\n", "\na", " lead\nx", "\tx\ny",
    "trail \nx", "x\r\ny", "x\r", "\u{0}", "\u{1}", "\u{7}", "\u{1b}[31m", "\u{7f}", "\u{85}", "\u{a0}", "\u{2028}",
    "\u{feff}x", "é", "日本語", "😀", "\\", "\\n", "a\"b", "key:", "k:v", "a\tb", "#", " #", "a #", "a ", " a",
    "line1\n  indented\nline3\n", "  both  ", "x: |\n  y", "- item\n- item", "%", "1.2.3", "v1.2", "1-2", "1:2",
    "0.0.0.0/0", "8Gi", "25%", "100m", "#f8f8f2", "*", "&", "!", "http://x:80/a#b", "C:\\path", "{{ .Values.x }}",
    String(repeating: "long ", count: 300),
    String(repeating: "k", count: 1100),
]

/// Characters random strings are built from: mostly the ones with meaning in YAML.
private let nastyCharacters: [Character] = [
    "a", "b", "Z", "0", "1", "9", ".", "e", "x", "o", "_", "-", "+", ":", "#", " ", " ", "\t", "\n", "\n", "\r",
    "'", "\"", "\\", "[", "]", "{", "}", ",", "&", "*", "!", "|", ">", "%", "@", "`", "?", "~", "=", "<",
    "é", "日", "😀", "\u{0}", "\u{1f}", "\u{85}", "\u{2028}", "\u{feff}", "\u{a0}",
]

struct RandomValues {
    var rng: SeededGenerator

    mutating func string() -> String {
        switch Int.random(in: 0..<3, using: &rng) {
        case 0:
            return nastyStrings.randomElement(using: &rng)!
        case 1:
            let n = Int.random(in: 0..<14, using: &rng)
            return String((0..<n).map { _ in nastyCharacters.randomElement(using: &rng)! })
        default:
            // Two nasty strings glued, with a separator that matters.
            let sep = ["", " ", "\n", ": ", " #", "\n\n"].randomElement(using: &rng)!
            return nastyStrings.randomElement(using: &rng)! + sep + nastyStrings.randomElement(using: &rng)!
        }
    }

    mutating func double() -> Double {
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: return [0.0, -0.0, 1.0, -1.5, 0.1, 1e20, 1e-7, Double.leastNonzeroMagnitude, .greatestFiniteMagnitude, .infinity, -.infinity]
            .randomElement(using: &rng)!
        case 1: return Double(Int.random(in: -1000...1000, using: &rng))
        case 2:
            // Any finite bit pattern.
            while true {
                let d = Double(bitPattern: rng.next())
                if d.isFinite { return d }
            }
        default: return Double.random(in: -1e6...1e6, using: &rng)
        }
    }

    mutating func scalar() -> JSONValue {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .int([0, 1, -1, .max, .min, 8192, 0o755].randomElement(using: &rng)!)
        case 3: return .int(Int64.random(in: .min ... .max, using: &rng))
        case 4, 5: return .double(double())
        default: return .string(string())
        }
    }

    mutating func value(depth: Int) -> JSONValue {
        let r = Int.random(in: 0..<10, using: &rng)
        if depth >= 5 || r < 4 { return scalar() }
        let n = Int.random(in: 0..<6, using: &rng)
        if r < 7 {
            var o = JSONObject()
            for _ in 0..<n { o[string()] = value(depth: depth + 1) }
            return .object(o)
        }
        return .array((0..<n).map { _ in value(depth: depth + 1) })
    }
}

@Suite struct YAMLWriterTests {
    @Test func kubectlStyle() throws {
        let v = try JSONValue(json: """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"vllm","labels":{"app":"vllm"},"annotations":{}},
         "spec":{"replicas":2,"template":{"spec":{"containers":[{"image":"vllm/vllm-openai:v0.6.3","name":"vllm",
         "args":["--model","Qwen/Qwen2.5-0.5B-Instruct","--max-model-len","8192"],
         "ports":[{"containerPort":8000,"protocol":"TCP"}],"env":[]}],"tolerations":[[1,2],[]]}}},
         "status":{"ratio":1.0,"note":"line one\\nline two\\n","empty":"","flag":true,"nothing":null}}
        """)
        #expect(YAML.emit(v) == """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: vllm
          labels:
            app: vllm
          annotations: {}
        spec:
          replicas: 2
          template:
            spec:
              containers:
              - image: vllm/vllm-openai:v0.6.3
                name: vllm
                args:
                - --model
                - Qwen/Qwen2.5-0.5B-Instruct
                - --max-model-len
                - "8192"
                ports:
                - containerPort: 8000
                  protocol: TCP
                env: []
              tolerations:
              - - 1
                - 2
              - []
        status:
          ratio: 1.0
          note: |
            line one
            line two
          empty: ""
          flag: true
          nothing: null

        """)
    }

    @Test func scalarsAtTheTop() {
        #expect(YAML.emit(.null) == "null\n")
        #expect(YAML.emit([:]) == "{}\n")
        #expect(YAML.emit([]) == "[]\n")
        #expect(YAML.emit("yes") == "\"yes\"\n")
        #expect(YAML.emit("a\nb") == "|-\n  a\n  b\n")
        #expect(YAML.emit(documents: [["a": 1], "x", []]) == "a: 1\n---\nx\n---\n[]\n")
        #expect(YAML.emit(documents: []) == "")
    }

    @Test func quoting() throws {
        let quoted = ["yes", "no", "on", "off", "y", "n", "~", "null", "true", "0755", "1e3", ".5", "0x1F", "0o17",
                      "+1", "1_000", "12:30", "2001-12-14", ".inf", "<<", "", " x", "x ", "a: b", "a #b", "-", "- a",
                      "? a", ": a", ",a", "[a", "]a", "{a", "}a", "#a", "&a", "*a", "!a", "|a", ">a", "'a", "\"a",
                      "%a", "@a", "`a", "a:", "---", "...", "a\tb", "\u{1}", "\u{85}", "x\r\ny", "trail \nx"]
        for s in quoted {
            let y = YAML.emit(["k": .string(s)])
            #expect(y.hasPrefix("k: \""), "\(s.debugDescription) → \(y.debugDescription)")
            #expect(try YAML.parse(y) == ["k": .string(s)], "\(s.debugDescription)")
        }
        let plain = ["abc", "--model", "-a", ":a", "a:b", "a#b", "8Gi", "25%", "100m", "vllm/vllm-openai:v0.6.3",
                     "http://x:80/a#b", "é", "日本語", "😀", "Qwen/Qwen2.5-0.5B-Instruct", "a b", "nan", "a,b", "a'b"]
        for s in plain {
            #expect(YAML.emit(["k": .string(s)]) == "k: \(s)\n", "\(s.debugDescription)")
        }
        #expect(YAML.emit(["k": "\u{1}\t\"\\\u{2028}\u{feff}"]) == "k: \"\\x01\\t\\\"\\\\\\u2028\\uFEFF\"\n")
        #expect(YAML.emit(["yes": 1, "1": 2]) == "\"yes\": 1\n\"1\": 2\n")
    }

    @Test func doubles() throws {
        let cases: [(Double, String)] = [
            (1.0, "1.0"), (-2.0, "-2.0"), (0.5, "0.5"), (1e20, "1.0e+20"), (1.5e-7, "1.5e-07"), (Double.leastNonzeroMagnitude, "5.0e-324"),
            (.infinity, ".inf"), (-.infinity, "-.inf"), (.nan, ".nan"), (-0.0, "-0.0"),
        ]
        for (d, text) in cases {
            #expect(YAML.emit(.double(d)) == text + "\n")
            let back = try YAML.parse(YAML.emit(.double(d)))
            if d.isNaN {
                #expect(back.doubleValue?.isNaN == true)
            } else {
                #expect(back == .double(d), "\(d)")
                #expect(back.doubleValue?.sign == d.sign)
            }
        }
        #expect(YAML.emit(.int(.min)) == "-9223372036854775808\n")
    }

    @Test func literalBlocks() throws {
        let cases: [(String, String)] = [
            ("a\nb", "k: |-\n  a\n  b\n"),
            ("a\nb\n", "k: |\n  a\n  b\n"),
            ("a\nb\n\n", "k: |+\n  a\n  b\n\n"),
            ("a\n\nb", "k: |-\n  a\n\n  b\n"),
            ("  lead\nx", "k: |2-\n    lead\n  x\n"),
            ("\n  lead", "k: |2-\n\n    lead\n"),
            ("\ta\nb", "k: |2-\n  \ta\n  b\n"),
            ("a\n\n", "k: |+\n  a\n\n"),
            ("\na", "k: |-\n\n  a\n"),
            ("# not a comment\n- not a list\n---\n", "k: |\n  # not a comment\n  - not a list\n  ---\n"),
        ]
        for (s, expected) in cases {
            let y = YAML.emit(["k": .string(s)])
            #expect(y == expected, "\(s.debugDescription) → \(y.debugDescription)")
            #expect(try YAML.parse(y) == ["k": .string(s)], "\(s.debugDescription)")
            // The same string in a sequence, nested in a sequence, in a mapping in a sequence, at the top.
            for v: JSONValue in [[.string(s)], [[.string(s)]], [["a": .string(s), "b": 1]], .string(s)] {
                #expect(try YAML.parse(YAML.emit(v)) == v, "\(s.debugDescription) in \(v)")
            }
        }
        // Not blocks: trailing spaces, control characters, nothing but newlines.
        for s in ["a \nb", "a\nb ", "a\r\nb", "\n", "\n\n", " \n ", "a\u{1}\nb"] {
            let y = YAML.emit(["k": .string(s)])
            #expect(y.hasPrefix("k: \""), "\(s.debugDescription) → \(y.debugDescription)")
            #expect(try YAML.parse(y) == ["k": .string(s)], "\(s.debugDescription)")
        }
    }

    @Test func longKeysUseExplicitForm() throws {
        let key = String(repeating: "k", count: 1100)
        let v: JSONValue = [.init(stringLiteral: key): ["a": [1, 2]], "b": [[.init(stringLiteral: key): "x"]]]
        let y = YAML.emit(v)
        #expect(y.hasPrefix("? " + key + "\n:\n"))
        #expect(try YAML.parse(y) == v)
    }

    // MARK: Round trips

    @Test func everyFixtureJSONRoundTripsThroughYAML() throws {
        for url in Fixtures.jsonFiles {
            let v = try JSONValue(json: Data(contentsOf: url))
            let y = YAML.emit(v)
            let back: JSONValue
            do {
                back = try YAML.parse(y)
            } catch {
                Issue.record("\(url.lastPathComponent): \(error)")
                continue
            }
            #expect(back == v, "\(url.lastPathComponent)")
            #expect(YAML.emit(back) == y, "\(url.lastPathComponent): emitting is stable, key order kept")
        }
    }

    @Test func fixtureManifestsRoundTripByteForByte() throws {
        // These were written by kubectl / in kubectl's style; we write them back identically.
        let names = [
            "real-apiserver/02-deployment-rollout/vllm-qwen.deployment.yaml",
            "real-apiserver/04-statefulset/vllm-sts.statefulset.yaml",
            "real-apiserver/11-dry-run-and-apply/ssa-configmap.request.yaml",
            "real-apiserver/12-crd-patches/05-apply-weights.request.yaml",
        ]
        for name in names {
            let text = try String(contentsOf: Fixtures.root.appendingPathComponent(name), encoding: .utf8)
            let docs = try YAML.parseDocuments(text)
            #expect(YAML.emit(documents: docs) == text, "\(name)")
        }
        // kubectl get -o yaml output, after the two header lines of the recording.
        let recorded = try String(contentsOf: Fixtures.root.appendingPathComponent(
            "public-repos/holmesgpt-deployment-gpu-unavailable.kubectl-get-yaml.txt"), encoding: .utf8)
        let body = recorded.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false)[2]
        let v = try YAML.parse(String(body))
        #expect(v["kind"] == "Deployment")
        #expect(YAML.emit(v) == String(body))
    }

    @Test func allYAMLManifestsRoundTrip() throws {
        for url in Fixtures.files(under: ["real-apiserver", "public-repos"], extensions: ["yaml"]) {
            let docs = try YAML.parseDocuments(Data(contentsOf: url))
            #expect(try YAML.parseDocuments(YAML.emit(documents: docs)) == docs, "\(url.lastPathComponent)")
        }
    }

    @Test func crdSchemasRoundTrip() throws {
        let dir = SharedFixtures.schemas.appendingPathComponent("crds-yaml")
        let files = (FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "yaml" } ?? [])
            .sorted { $0.path < $1.path }
        #expect(files.count >= 3)
        // The smaller ones: the big CRDs (1-2 MB) take seconds in debug builds and add nothing new.
        let sizes = try files.map { ($0, try Data(contentsOf: $0)) }.filter { $0.1.count < 500_000 }
        #expect(sizes.count >= 3)
        for (url, data) in sizes {
            let docs = try YAML.parseDocuments(data)
            #expect(docs.first?["kind"] == "CustomResourceDefinition", "\(url.lastPathComponent)")
            #expect(try YAML.parseDocuments(YAML.emit(documents: docs)) == docs, "\(url.lastPathComponent)")
        }
    }

    @Test func randomValuesRoundTrip() throws {
        var gen = RandomValues(rng: SeededGenerator(seed: 0x6b76_6465_636b))
        for i in 0..<400 {
            let v = gen.value(depth: 0)
            let y = YAML.emit(v)
            do {
                let back = try YAML.parse(y)
                #expect(back == v, "tree \(i):\n\(y)")
            } catch {
                Issue.record("tree \(i): \(error)\n\(y)")
            }
        }
    }

    @Test func nastyStringsRoundTripEverywhere() throws {
        for s in nastyStrings {
            let sv = JSONValue.string(s)
            let shapes: [JSONValue] = [
                sv, [sv], [[sv]], [.init(stringLiteral: s): sv], [[.init(stringLiteral: s): [sv]]],
                ["a": [sv, ["b": sv]], .init(stringLiteral: s): [:]],
            ]
            for v in shapes {
                let y = YAML.emit(v)
                do {
                    #expect(try YAML.parse(y) == v, "\(s.debugDescription):\n\(y)")
                } catch {
                    Issue.record("\(s.debugDescription): \(error)\n\(y)")
                }
            }
        }
    }

    @Test func plainScalarsAreStringsUnderYAML11Too() throws {
        // Every string written plain must not be one of YAML 1.1's other types.
        let yaml11Specials = try Regex(#"^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|~|null|Null|NULL|<<|=|[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+|[-+]?([0-9][0-9_]*)?\.[0-9.]*([eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?.*)$"#)
        var gen = RandomValues(rng: SeededGenerator(seed: 11))
        var strings = nastyStrings
        for _ in 0..<3000 { strings.append(gen.string()) }
        for s in strings where YAMLWriter.plainIsSafe(s) {
            #expect(s.wholeMatch(of: yaml11Specials) == nil, "\(s.debugDescription) would be written plain")
        }
    }
}
