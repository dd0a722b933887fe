import Foundation
import KvdeckTestSupport
@testable import Telemetry
import XCTest

final class QuantileTests: XCTestCase {
    /// An independent reading of the same buckets: expand them into individual observations spread
    /// evenly inside each bucket (the k-th of n in (lower, upper] at lower + (upper − lower)·k/n; those
    /// in +Inf at the highest finite bound), then read rank q·N off the sorted list, interpolating
    /// linearly from the observation below (or, for the first one of a bucket, from the bucket's lower
    /// bound). This is what histogram_quantile's interpolation means, computed another way.
    static func referenceQuantile(_ q: Double, bounds: [Double], cumulative: [Int]) -> Double {
        var observations: [(value: Double, bucketLower: Double)] = []
        var lower = 0.0
        var previous = 0
        let highestFinite = bounds.filter(\.isFinite).max() ?? 0
        for (bound, count) in zip(bounds, cumulative) {
            let n = count - previous
            if n > 0 {
                for k in 1...n {
                    observations.append(bound.isFinite
                        ? (lower + (bound - lower) * Double(k) / Double(n), lower)
                        : (highestFinite, highestFinite))
                }
            }
            if bound.isFinite { lower = bound }
            previous = count
        }
        let rank = q * Double(observations.count)  // rank r falls between observations r and r + 1 (1-based)
        let below = Int(rank.rounded(.down))
        if below >= observations.count { return observations[observations.count - 1].value }
        if below >= 1 && rank == Double(below) { return observations[below - 1].value }  // exactly the r-th
        let next = observations[below]  // the (below + 1)-th observation
        let start = below > 0 && observations[below - 1].bucketLower == next.bucketLower
            ? observations[below - 1].value : next.bucketLower
        return start + (rank - Double(below)) * (next.value - start)
    }

    func testQuantilesMatchTheExpandedReferenceOnRealBuckets() throws {
        let checks: [(String, String)] = [
            ("sglang-docs-llama3.1-8b.prom", "sglang:time_to_first_token_seconds"),
            ("sglang-docs-llama3.1-8b.prom", "sglang:e2e_request_latency_seconds"),
            ("vllm-0.5.x-kubeai.prom", "vllm:time_per_output_token_seconds"),
            ("vllm-0.5.x-kubeai.prom", "vllm:e2e_request_latency_seconds"),
            ("vllm-hybrid-v0v1-datadog-curated.prom", "vllm:iteration_tokens_total"),
            ("vllm-hybrid-v0v1-datadog-curated.prom", "vllm:inter_token_latency_seconds"),
            ("vllm-hybrid-v0v1-datadog-curated.prom", "vllm:request_max_num_generation_tokens"),
        ]
        var compared = 0
        for (file, family) in checks {
            let exposition = try FixtureTests.fixture(file)
            let series = try XCTUnwrap(exposition.histograms(named: family).first, family)
            let histogram = series.histogram
            let bounds = histogram.buckets.map(\.upperBound)
            let counts = histogram.buckets.map { Int($0.cumulativeCount) }
            for q in [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0] {
                let expected = Self.referenceQuantile(q, bounds: bounds, cumulative: counts)
                XCTAssertEqual(histogram.quantile(q), expected, accuracy: 1e-9 * max(1, abs(expected)), "\(family) q=\(q)")
                compared += 1
            }
        }
        XCTAssertEqual(compared, 70)
    }

    func testQuantilesMatchTheReferenceOnRandomBuckets() {
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<300 {
            var bound = 0.0
            var bounds: [Double] = []
            var cumulative: [Int] = []
            var total = 0
            for _ in 0..<(2 + Int(generator.next() % 12)) {
                bound += Double(1 + generator.next() % 100) / 10
                total += Int(generator.next() % 20)
                bounds.append(bound)
                cumulative.append(total)
            }
            total += Int(generator.next() % 5)
            bounds.append(.infinity)
            cumulative.append(total + 1)
            let histogram = Histogram(buckets: zip(bounds, cumulative).map {
                Histogram.Bucket(upperBound: $0, cumulativeCount: Double($1))
            }.shuffled(using: &generator))
            for q in [0.001, 0.05, 0.5, 0.9, 0.99, 1.0] {
                let expected = Self.referenceQuantile(q, bounds: bounds, cumulative: cumulative)
                XCTAssertEqual(histogram.quantile(q), expected, accuracy: 1e-9 * max(1, abs(expected)))
            }
        }
    }

    func testQuantileEdgeCasesAsPrometheus() {
        let noInf = Histogram(buckets: [.init(upperBound: 1, cumulativeCount: 1), .init(upperBound: 2, cumulativeCount: 2)])
        XCTAssertTrue(noInf.quantile(0.5).isNaN)
        let empty = Histogram(buckets: [.init(upperBound: 1, cumulativeCount: 0), .init(upperBound: .infinity, cumulativeCount: 0)])
        XCTAssertTrue(empty.quantile(0.5).isNaN)
        let one = Histogram(buckets: [.init(upperBound: .infinity, cumulativeCount: 4)])
        XCTAssertTrue(one.quantile(0.5).isNaN)
        let h = Histogram(buckets: [.init(upperBound: 1, cumulativeCount: 2), .init(upperBound: .infinity, cumulativeCount: 4)])
        XCTAssertEqual(h.quantile(-0.1), -.infinity)
        XCTAssertEqual(h.quantile(1.1), .infinity)
        XCTAssertEqual(h.quantile(0.9), 1)  // in +Inf: the highest finite bound
        let negative = Histogram(buckets: [.init(upperBound: -1, cumulativeCount: 2), .init(upperBound: .infinity, cumulativeCount: 2)])
        XCTAssertEqual(negative.quantile(0.5), -1)
        // A bucket scraped a moment later than the next one is evened out, never a negative bucket.
        let dip = Histogram(buckets: [.init(upperBound: 1, cumulativeCount: 5), .init(upperBound: 2, cumulativeCount: 4),
                                      .init(upperBound: .infinity, cumulativeCount: 10)])
        XCTAssertEqual(dip.quantile(0.5), 1)
    }
}

/// Mutated fixtures: the parser never crashes, every issue and sample carries a line number inside the
/// input, and an intact copy of a line still parses after a broken one.
final class ParserFuzzTests: XCTestCase {
    func testMutatedFixturesNeverCrash() throws {
        let directory = FixtureTests.directory
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        let seeds = try names.map { Array(try Data(contentsOf: directory.appendingPathComponent($0))) }
        var generator = SeededGenerator(seed: 0x6b76_6465_636b)
        let alphabet = Array("\"\\{}=,# \n\t+-.eE0123456789NaInf_:le".utf8) + [0x00, 0xff, 0xc3, 0x0d]
        var inputs = 0
        var badLinesSeen = 0
        for round in 0..<3000 {
            var bytes = seeds[round % seeds.count]
            for _ in 0..<(1 + Int(generator.next() % 6)) where !bytes.isEmpty {
                let at = Int(generator.next() % UInt64(bytes.count))
                switch generator.next() % 6 {
                case 0: bytes[at] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
                case 1: bytes[at] = UInt8(truncatingIfNeeded: generator.next())
                case 2: bytes.removeSubrange(at..<min(bytes.count, at + Int(generator.next() % 64)))
                case 3:
                    let end = min(bytes.count, at + Int(generator.next() % 200))
                    bytes.insert(contentsOf: Array(bytes[at..<end]), at: Int(generator.next() % UInt64(bytes.count)))
                case 4: bytes.insert(alphabet[Int(generator.next() % UInt64(alphabet.count))], at: at)
                default: bytes.removeSubrange(at...)
                }
            }
            let exposition = Exposition(parsing: bytes)
            inputs += 1
            let lines = bytes.isEmpty ? 0 : bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count
                - (bytes.last == UInt8(ascii: "\n") ? 1 : 0)
            XCTAssertEqual(exposition.lineCount, lines)
            for issue in exposition.issues {
                XCTAssertTrue((1...max(1, lines)).contains(issue.line), "\(issue)")
                XCTAssertFalse(issue.reason.isEmpty)
            }
            badLinesSeen += exposition.badLines.count
            for family in exposition.families {
                for sample in family.samples { XCTAssertTrue((1...lines).contains(sample.line)) }
            }
            // Whatever came of it, the semantics layer takes it too.
            _ = ServerSnapshot(exposition: exposition)
            _ = GPUDevice.devices(in: exposition)
        }
        XCTAssertEqual(inputs, 3000)
        XCTAssertGreaterThan(badLinesSeen, 1000)  // the mutations did break lines, and they were reported
    }

    func testABrokenLineIsReportedAtItsNumberAndTheRestIsKept() throws {
        let text = try String(contentsOf: FixtureTests.directory.appendingPathComponent("vllm-0.5.x-kubeai.prom"), encoding: .utf8)
        var lines = text.components(separatedBy: "\n")
        let intact = Exposition(parsing: text)
        var generator = SeededGenerator(seed: 9)
        for _ in 0..<50 {
            let index = Int(generator.next() % UInt64(lines.count))
            guard !lines[index].hasPrefix("#"), !lines[index].isEmpty else { continue }
            let original = lines[index]
            lines[index] = String(original.prefix(Int(generator.next() % UInt64(original.count)))) + "{\"oops"
            let broken = Exposition(parsing: lines.joined(separator: "\n"))
            XCTAssertEqual(broken.badLines.map(\.line), [index + 1], lines[index])
            XCTAssertEqual(broken.sampleCount, intact.sampleCount - 1)
            lines[index] = original
        }
    }
}
