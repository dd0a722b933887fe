import Foundation
import KvdeckTestSupport
import Testing
@testable import YAML

@Suite struct YAMLFuzzTests {
    /// Small texts that together use most of YAML: fixture manifests, the k9s skin, and
    /// hand-written documents with flow style, block scalars, tags, anchors and documents.
    private func corpus() throws -> [[UInt8]] {
        var texts: [[UInt8]] = [Array(k9sSkin.utf8)]
        for url in Fixtures.files(under: ["real-apiserver", "public-repos"], extensions: ["yaml"]) {
            let data = try Data(contentsOf: url)
            if data.count < 8_000 { texts.append(Array(data)) }
        }
        let handWritten = [
            "a: {b: [1, 2.5, ~, true, 'q', \"d\\u00e9\"], c: !!str 5}\n--- |\n  block\n...\n",
            "- &a {x: 1}\n- *a\n- {<<: *a, y: 2}\n- ? complex\n  : v\n- >-\n  folded\n  text\n",
            "%YAML 1.1\n---\nk: &v 0755\nl: *v\nm: !custom [a, b]\n'n': \"\\x41\\t\"\n",
            "[[[[[[]]]]], {a: {b: {c: {}}}}, 'it''s', \"\\\"\", |+\n  keep\n\n]\n",
        ]
        for t in handWritten { texts.append(Array(t.utf8)) }
        return texts
    }

    private let interestingBytes: [UInt8] = Array(":-?&*!|>'\"%@`#[]{},\n\n  \t\r~\\".utf8) + [0x00, 0xFF, 0xC3, 0xE2, 0x80, 0x85, 0x7F]

    @Test func mutatedInputsParseOrThrowYAMLError() throws {
        let texts = try corpus()
        var rng = SeededGenerator(seed: 0xF022)
        var parsed = 0
        var rejected = 0
        for iteration in 0..<3000 {
            var bytes = texts.randomElement(using: &rng)!
            for _ in 0..<Int.random(in: 1...4, using: &rng) where !bytes.isEmpty {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                let len = min(Int.random(in: 1...16, using: &rng), bytes.count - i)
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: bytes.removeSubrange(i..<(i + len))
                case 1: bytes.insert(contentsOf: bytes[i..<(i + len)], at: i)
                case 2: bytes[i] = interestingBytes.randomElement(using: &rng)!
                case 3: bytes.insert(interestingBytes.randomElement(using: &rng)!, at: i)
                default: bytes[i] = UInt8.random(in: 0...255, using: &rng)
                }
            }
            do {
                let docs = try YAML.parseDocuments(Data(bytes))
                parsed += 1
                // Whatever was read can be written and read back to the same text.
                let y = YAML.emit(documents: docs)
                let again = try YAML.parseDocuments(y)
                #expect(YAML.emit(documents: again) == y, "iteration \(iteration)")
            } catch is YAMLError {
                rejected += 1
            } catch {
                Issue.record("iteration \(iteration): unexpected \(type(of: error)): \(error)")
            }
        }
        // The fuzzer exercises both paths.
        #expect(parsed > 100)
        #expect(rejected > 100)
    }

    @Test func randomBytesNeverCrash() throws {
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<500 {
            let n = Int.random(in: 0..<200, using: &rng)
            let bytes = (0..<n).map { _ in
                Bool.random(using: &rng) ? interestingBytes.randomElement(using: &rng)! : UInt8.random(in: 0x20...0x7E, using: &rng)
            }
            do {
                _ = try YAML.parseDocuments(Data(bytes))
            } catch is YAMLError {
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test func hugeInputs() throws {
        // A long unterminated quote, a long plain scalar and a wide sequence: errors or values, quickly.
        #expect(throws: YAMLError.self) { try YAML.parse("a: \"" + String(repeating: "x", count: 1_000_000)) }
        let long = String(repeating: "y", count: 1_000_000)
        #expect(try YAML.parse("a: " + long) == ["a": .string(long)])
        let wide = "[" + Array(repeating: "1", count: 100_000).joined(separator: ",") + "]"
        #expect(try YAML.parse(wide).arrayValue?.count == 100_000)
    }
}
