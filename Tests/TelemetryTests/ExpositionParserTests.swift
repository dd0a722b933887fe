import Foundation
import KvdeckTestSupport
@testable import Telemetry
import XCTest

final class ExpositionParserTests: XCTestCase {
    func testEscapedLabelValuesAndHelp() {
        let text = #"""
        # HELP odd A help with \\ and \n in it.
        # TYPE odd gauge
        odd{path="C:\\dir\\",quote="say \"hi\"",multi="a\nb",other="\t kept"} 1
        odd{ spaced = "yes" , trailing="comma", } 2
        """#
        let exposition = Exposition(parsing: text)
        XCTAssertEqual(exposition.issues, [])
        let family = try! XCTUnwrap(exposition.family(named: "odd"))
        XCTAssertEqual(family.help, "A help with \\ and \n in it.")
        XCTAssertEqual(family.type, .gauge)
        let first = family.samples[0]
        XCTAssertEqual(first.label("path"), #"C:\dir\"#)
        XCTAssertEqual(first.label("quote"), #"say "hi""#)
        XCTAssertEqual(first.label("multi"), "a\nb")
        XCTAssertEqual(first.label("other"), #"\t kept"#)  // not an escape Prometheus knows: kept as written
        XCTAssertEqual(family.samples[1].labels, [Label("spaced", "yes"), Label("trailing", "comma")])
    }

    func testSpecialValuesAndTimestamps() {
        let text = """
        a NaN
        b +Inf
        c -Inf
        d Inf
        e 1.5e+3 1700000000123
        f -0.25
        g 7.557572e+06
        h 0.07500000000000001
        i 123456789012345678901234567890
        """
        let exposition = Exposition(parsing: text)
        XCTAssertEqual(exposition.issues, [])
        func value(_ name: String) -> Double? { exposition.samples(named: name).first?.value }
        XCTAssertTrue(value("a")!.isNaN)
        XCTAssertEqual(value("b"), .infinity)
        XCTAssertEqual(value("c"), -.infinity)
        XCTAssertEqual(value("d"), .infinity)
        XCTAssertEqual(value("e"), 1500)
        XCTAssertEqual(exposition.samples(named: "e").first?.timestamp, 1_700_000_000.123)  // ms → s
        XCTAssertEqual(value("f"), -0.25)
        XCTAssertEqual(value("g"), 7_557_572)
        XCTAssertEqual(value("h"), 0.07500000000000001)
        XCTAssertEqual(value("i"), 123456789012345678901234567890.0)
    }

    func testNumbersMatchTheStandardLibrary() {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<5000 {
            let mantissa = Double(generator.next() % 1_000_000_000_007) / Double(1 + generator.next() % 100_000)
            let exponent = Int(generator.next() % 40) - 20
            for text in [String(mantissa), "\(mantissa)e\(exponent)", String(format: "%.17g", mantissa),
                         String(format: "%.3e", mantissa * 1e5)] {
                var copy = text
                let parsed = copy.withUTF8 { NumberParsing.parseDouble($0) }
                XCTAssertEqual(parsed, Double(text), text)
            }
        }
        for bad in ["", "-", "+", ".", "1..2", "1e", "1e+", "0x10", "1,5", "--1", "+NaN", "nanx", "1f"] {
            var copy = bad
            XCTAssertNil(copy.withUTF8 { NumberParsing.parseDouble($0) }, bad)
        }
    }

    func testOpenMetricsWithExemplarsAndEOF() throws {
        let text = """
        # TYPE foo counter
        # UNIT foo seconds
        # HELP foo A counter.
        foo_total{a="b"} 17.0 1520879607.789 # {trace_id="oHg5SJYRHA0"} 9.8 1520879607.789
        foo_created{a="b"} 1520430000.123
        # TYPE hist histogram
        hist_bucket{le="0.01"} 0
        hist_bucket{le="0.1"} 8 # {} 0.054
        hist_bucket{le="+Inf"} 17 # {trace_id="KOO5S4vxi0o"} 0.67
        hist_count 17
        hist_sum 324789.3
        hist_created 1520430000.123
        # EOF

        """
        let exposition = Exposition(parsing: text)
        XCTAssertEqual(exposition.issues, [])
        XCTAssertEqual(exposition.format, .openMetrics)
        XCTAssertTrue(exposition.sawEOF)
        XCTAssertEqual(exposition.families.map(\.name), ["foo", "hist"])
        let foo = try XCTUnwrap(exposition.family(named: "foo"))
        XCTAssertEqual(foo.type, .counter)
        XCTAssertEqual(foo.unit, "seconds")
        XCTAssertEqual(foo.samples.map(\.name), ["foo_total", "foo_created"])
        let total = try XCTUnwrap(exposition.samples(named: "foo_total").first)
        XCTAssertEqual(total.timestamp, 1520879607.789)  // OpenMetrics: already seconds
        XCTAssertEqual(total.exemplar, Exemplar(labels: [Label("trace_id", "oHg5SJYRHA0")], value: 9.8, timestamp: 1520879607.789))
        XCTAssertEqual(exposition.samples(named: "hist_bucket")[1].exemplar?.labels, [])
        let histogram = try XCTUnwrap(exposition.histograms(named: "hist").first?.histogram)
        XCTAssertEqual(histogram.count, 17)
        XCTAssertEqual(histogram.sum, 324789.3)
        XCTAssertEqual(histogram.buckets.map(\.upperBound), [0.01, 0.1, .infinity])
    }

    func testTextAfterEOFAndMissingEOF() {
        let after = Exposition(parsing: "a 1\n# EOF\nb 2\n\n# comment\n")
        XCTAssertEqual(after.badLines.map(\.line), [3, 5])
        XCTAssertEqual(after.badLines.first?.reason, "text after # EOF")
        XCTAssertNil(after.family(named: "b"))

        let truncated = Exposition(parsing: "# TYPE a gauge\na 1\n", format: .openMetrics)
        XCTAssertEqual(truncated.badLines, [])
        XCTAssertEqual(truncated.warnings.map(\.reason), ["OpenMetrics text ends without # EOF (truncated?)"])
    }

    func testBadLinesAreReportedWithNumbersAndSkipped() {
        let text = """
        # TYPE good gauge
        good 1
        good{a="1" 2
        good{a=1} 3
        good{a="x",a="y"} 4
        9bad 5
        good{a="ok"}
        good{a="ok"} five
        good{a="ok"} 6 notatime
        # TYPE h histogram
        h_bucket{x="1"} 7
        h_bucket{le="abc"} 8
        good{a="unterminated} 9
        # TYPE good counter
        # TYPE other strange
        good{a="last"} 10
        """
        let exposition = Exposition(parsing: text)
        XCTAssertEqual(exposition.badLines.map(\.line), [3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15])
        XCTAssertEqual(exposition.badLines.map(\.reason), [
            "expected ',' or '}' after a",
            "value of label a is not quoted",
            "duplicate label a",
            "expected a metric name, found '9'",
            "missing value",
            "invalid value 'five'",
            "invalid timestamp 'notatime'",
            "h_bucket needs a numeric le label",
            "h_bucket needs a numeric le label",
            "unterminated quoted string",
            "conflicting TYPE for good: already gauge, now counter",
            "unknown metric type 'strange' for other",
        ])
        XCTAssertEqual(exposition.family(named: "good")?.samples.map(\.value), [1, 10])
        XCTAssertEqual(exposition.family(named: "good")?.samples.map(\.line), [2, 16])
    }

    func testCRLFAndBlankLinesAndComments() {
        let exposition = Exposition(parsing: "# just a comment\r\n\r\na{b=\"c\"} 1\r\n   \r\n\tb 2 \r\n")
        XCTAssertEqual(exposition.issues, [])
        XCTAssertEqual(exposition.samples(named: "a").first?.labels, [Label("b", "c")])
        XCTAssertEqual(exposition.samples(named: "b").first?.line, 5)
        XCTAssertEqual(exposition.lineCount, 5)
    }

    func testFamilyGrouping() {
        let text = """
        # TYPE vllm:iteration_tokens_total histogram
        vllm:iteration_tokens_total_bucket{le="1.0"} 1
        vllm:iteration_tokens_total_bucket{le="+Inf"} 2
        vllm:iteration_tokens_total_count 2
        vllm:iteration_tokens_total_sum 9
        # TYPE vllm:prompt_tokens_total counter
        vllm:prompt_tokens_total 5
        # TYPE vllm:prompt_tokens_created gauge
        vllm:prompt_tokens_created 1.7e9
        # TYPE s summary
        s{quantile="0.5"} 1
        s_sum 3
        s_count 2
        untyped_thing 4
        """
        let exposition = Exposition(parsing: text)
        XCTAssertEqual(exposition.issues, [])
        XCTAssertEqual(exposition.families.map(\.name), [
            "vllm:iteration_tokens_total", "vllm:prompt_tokens_total", "vllm:prompt_tokens_created", "s", "untyped_thing",
        ])
        XCTAssertEqual(exposition.family(named: "vllm:iteration_tokens_total")?.samples.count, 4)
        XCTAssertEqual(exposition.family(named: "s")?.samples.count, 3)
        XCTAssertEqual(exposition.family(named: "untyped_thing")?.type, .unknown)
        XCTAssertEqual(exposition.samples(named: "vllm:prompt_tokens_total").map(\.value), [5])
    }

    func testQuotedUTF8MetricNames() {
        let exposition = Exposition(parsing: "{\"my.metric\",zone=\"ä\"} 3\n{\"only.name\"} 4\n")
        XCTAssertEqual(exposition.issues, [])
        XCTAssertEqual(exposition.samples(named: "my.metric").first?.labels, [Label("zone", "ä")])
        XCTAssertEqual(exposition.samples(named: "only.name").first?.value, 4)
    }

    func testInvalidUTF8DoesNotStopTheParser() {
        var bytes = Array("a{b=\"".utf8) + [0xff, 0xfe] + Array("\"} 1\nc 2\n".utf8)
        bytes.append(contentsOf: [0xc3])  // a cut multi-byte sequence at the very end
        let exposition = Exposition(parsing: bytes)
        XCTAssertEqual(exposition.samples(named: "a").first?.label("b"), "\u{FFFD}\u{FFFD}")
        XCTAssertEqual(exposition.samples(named: "c").first?.value, 2)
        XCTAssertEqual(exposition.badLines.map(\.line), [3])
    }
}

