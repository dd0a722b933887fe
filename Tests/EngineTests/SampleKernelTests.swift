import CKernels
import Foundation
import XCTest
@testable import Engine

/// kvd_argmax and kvd_sample_softmax (kvd_sample.h) on every path this CPU runs, against Swift
/// definitions in double precision.
final class SampleKernelTests: XCTestCase {
    static let paths = CPUKernelPath.allCases.filter(\.isSupported)

    func testArgmaxTakesTheFirstLargestAndSkipsNaN() {
        var rng = SeededRandom(seed: 21)
        for n in [1, 15, 16, 17, 100, 49_152] {
            var x = rng.floats(n, scale: 8)
            if n > 20 { x[n - 3] = 99; x[n - 1] = 99; x[5] = .nan }  // a tie: the first wins
            let expected = x.indices.reduce(0) { best, i in x[i] > x[best] || x[best].isNaN ? i : best }
            for path in Self.paths {
                XCTAssertEqual(Int(kvd_argmax(path.rawValue, x, Int32(n))), expected, "n \(n) \(path)")
            }
        }
        let nans = [Float](repeating: .nan, count: 40)
        let allLow = [Float](repeating: -.infinity, count: 40)
        for path in Self.paths {
            XCTAssertEqual(kvd_argmax(path.rawValue, nans, 40), 39)
            XCTAssertEqual(kvd_argmax(path.rawValue, allLow, 40), 0)
        }
    }

    /// The draw is the inverse of the cumulative distribution: each u lands on the index whose
    /// cumulative interval holds it, masked (-inf) entries are never drawn.
    func testDrawsInvertTheCumulativeDistribution() {
        var rng = SeededRandom(seed: 22)
        for n in [3, 16, 33, 1000, 49_152] {
            var x = rng.floats(n, scale: 6)
            for i in stride(from: 1, to: n, by: 7) { x[i] = -.infinity }
            let m = Double(x.max()!)
            let e = x.map { $0 == -.infinity ? 0 : exp(Double($0) - m) }
            let total = e.reduce(0, +)
            var cumulative: [Double] = []
            var c = 0.0
            for v in e { c += v / total; cumulative.append(c) }
            for path in Self.paths {
                for k in 0..<200 {
                    let u = (Double(k) + 0.5) / 200
                    let i = Int(kvd_sample_softmax(path.rawValue, x, Int32(n), u))
                    XCTAssertTrue(x[i] != -.infinity, "n \(n) \(path): drew a masked entry")
                    // u falls in [cumulative[i-1], cumulative[i]) up to float32 exp rounding.
                    let low = i == 0 ? 0 : cumulative[i - 1]
                    XCTAssertGreaterThanOrEqual(u, low - 1e-5, "n \(n) \(path) u \(u) -> \(i)")
                    XCTAssertLessThan(u, cumulative[i] + 1e-5, "n \(n) \(path) u \(u) -> \(i)")
                }
            }
        }
    }

    /// Drawing with a scale equals drawing from the scaled copy the sampler used to write, index
    /// for index: ordinary temperatures, one so small the products overflow to infinity, masked
    /// entries, lengths around the 16-lane vectors, and scales that count as 1.
    func testAScaledDrawEqualsADrawFromTheScaledCopy() {
        var rng = SeededRandom(seed: 25)
        for n in [1, 15, 16, 17, 1000, 49_152] {
            var x = rng.floats(n, scale: 10)
            for i in stride(from: 2, to: n, by: 9) { x[i] = -.infinity }
            for scale: Float in [1, 1 / 0.7, 1 / 1.3, 1e37] {
                let scaled = x.map { $0 * scale }
                for path in Self.paths {
                    for k in 0..<64 {
                        let u = (Double(k) + 0.37) / 64
                        XCTAssertEqual(kvd_sample_softmax_scaled(path.rawValue, x, Int32(n), scale, u),
                                       kvd_sample_softmax(path.rawValue, scaled, Int32(n), u), "n \(n) scale \(scale) \(path) u \(u)")
                    }
                }
            }
            for path in Self.paths {
                for scale: Float in [0, -2, .nan, .infinity] {
                    XCTAssertEqual(kvd_sample_softmax_scaled(path.rawValue, x, Int32(n), scale, 0.4),
                                   kvd_sample_softmax(path.rawValue, x, Int32(n), 0.4), "n \(n) scale \(scale) \(path)")
                }
            }
        }
    }

    func testAHandMadeDistributionAndTheDegenerateRows() {
        let x: [Float] = [log(0.1), log(0.2), log(0.7)]
        for path in Self.paths {
            XCTAssertEqual(kvd_sample_softmax(path.rawValue, x, 3, 0.05), 0)
            XCTAssertEqual(kvd_sample_softmax(path.rawValue, x, 3, 0.15), 1)
            XCTAssertEqual(kvd_sample_softmax(path.rawValue, x, 3, 0.31), 2)
            XCTAssertEqual(kvd_sample_softmax(path.rawValue, x, 3, 0.999_999), 2)
            // No finite maximum: every index equally likely.
            let low = [Float](repeating: -.infinity, count: 10)
            XCTAssertEqual(kvd_sample_softmax(path.rawValue, low, 10, 0.35), 3)
            XCTAssertEqual(kvd_sample_softmax(path.rawValue, [1, .nan, 2, 3], 4, 0.9), 3)
        }
    }
}

/// kvd_top_p against the definition it replaced: sort ascending by probability (double), drop
/// while the cumulative stays <= 1 - p, never the most likely token.
final class TopPKernelTests: XCTestCase {
    /// The tokens the definition drops, and for each the cumulative at which it went (to tell a
    /// float32 rounding at the boundary from a wrong answer).
    static func reference(_ l: [Float], _ p: Double) -> (dropped: Set<Int>, margin: Double) {
        let m = Double(l.max()!)
        let e = l.map { $0 == -.infinity ? 0 : exp(Double($0) - m) }
        let total = e.reduce(0, +)
        let order = l.indices.filter { e[$0] > 0 }.sorted { e[$0] != e[$1] ? e[$0] < e[$1] : $0 > $1 }
        var cumulative = 0.0, dropped = Set<Int>(), margin = Double.infinity
        for (n, i) in order.enumerated() where n < order.count - 1 {
            let next = cumulative + e[i] / total
            margin = min(margin, abs(next - (1 - p)))
            if next <= 1 - p { cumulative = next; dropped.insert(i) } else { break }
        }
        return (dropped, margin)
    }

    func testMatchesTheSortingDefinition() {
        var rng = SeededRandom(seed: 23)
        // Narrow scales put most of a row in one power-of-two bucket of probability, which the
        // kernel then narrows by the values' lower bits, down to a small sorted group.
        for (n, scale) in [(5, 1.0), (64, 3.0), (1000, 8.0), (49_152, 12.0), (49_152, 0.3), (20_000, 0.001)] {
            for p in [0.01, 0.5, 0.9, 0.95, 0.999] {
                var l = rng.floats(n, scale: Float(scale))
                l[n / 2] = -.infinity
                let (dropped, margin) = Self.reference(l, p)
                for path in SampleKernelTests.paths {
                    var x = l
                    XCTAssertEqual(kvd_top_p(path.rawValue, &x, Int32(n), p), 0)
                    let got = Set(x.indices.filter { x[$0] == -.infinity && l[$0] != -.infinity })
                    if margin > 1e-5 {
                        XCTAssertEqual(got, dropped, "n \(n) p \(p) \(path)")
                    } else {
                        XCTAssertLessThanOrEqual(got.symmetricDifference(dropped).count, 1, "n \(n) p \(p) \(path)")
                    }
                    XCTAssertTrue(x[l.indices.max { l[$0] < l[$1] }!] != -.infinity, "the top token stays")
                    XCTAssertTrue(zip(x, l).allSatisfy { $0.0 == -.infinity || $0.0 == $0.1 }, "kept values unchanged")
                }
            }
        }
    }

    /// A model's row: a few likely tokens over a long tail, so that nearly every token is below the
    /// kernel's candidate threshold and goes without being bucketed.
    func testPeakedRowsMatchTheSortingDefinition() {
        var rng = SeededRandom(seed: 25)
        for (likely, height) in [(3, 14.0), (40, 9.0), (400, 6.0)] {
            var l = rng.floats(49_152, scale: 2)
            for _ in 0..<likely { l[Int.random(in: 0..<l.count, using: &rng)] = Float(height + Double.random(in: -2...2, using: &rng)) }
            for p in [0.3, 0.9, 0.99, 0.9999] {
                let (dropped, margin) = Self.reference(l, p)
                for path in SampleKernelTests.paths {
                    var x = l
                    XCTAssertEqual(kvd_top_p(path.rawValue, &x, Int32(l.count), p), 0)
                    let got = Set(x.indices.filter { x[$0] == -.infinity })
                    if margin > 1e-5 {
                        XCTAssertEqual(got, dropped, "likely \(likely) p \(p) \(path)")
                    } else {
                        XCTAssertLessThanOrEqual(got.symmetricDifference(dropped).count, 1, "likely \(likely) p \(p) \(path)")
                    }
                }
            }
        }
    }

    func testTiesAndRowsItLeavesAlone() {
        for path in SampleKernelTests.paths {
            // Four equal tokens, p = 0.5: two go, the higher indices first (vLLM's stable order).
            var x: [Float] = [1, 1, 1, 1]
            kvd_top_p(path.rawValue, &x, 4, 0.5)
            XCTAssertEqual(x, [1, 1, -.infinity, -.infinity], "\(path)")
            var low = [Float](repeating: -.infinity, count: 8)
            kvd_top_p(path.rawValue, &low, 8, 0.5)
            XCTAssertTrue(low.allSatisfy { $0 == -.infinity })
            var one: [Float] = [3]
            kvd_top_p(path.rawValue, &one, 1, 0.1)
            XCTAssertEqual(one, [3])
            // 5000 equal tokens (one group at every bit) and p = 0.5: the 2500 highest indices go.
            var flat = [Float](repeating: 0.25, count: 5000)
            kvd_top_p(path.rawValue, &flat, 5000, 0.5)
            XCTAssertEqual(flat.firstIndex(of: -.infinity), 2500, "\(path)")
            XCTAssertTrue(flat[2500...].allSatisfy { $0 == -.infinity } && flat[..<2500].allSatisfy { $0 == 0.25 }, "\(path)")
        }
    }
}

/// kvd_log_sum_exp against a double-precision sum.
final class LogSumExpKernelTests: XCTestCase {
    func testMatchesDoublePrecision() {
        var rng = SeededRandom(seed: 24)
        for n in [1, 15, 16, 17, 1000, 49_152] {
            var x = rng.floats(n, scale: 10)
            if n > 2 { x[1] = -.infinity }
            let m = Double(x.max()!)
            let expected = m + log(x.reduce(0.0) { $0 + ($1 == -.infinity ? 0 : exp(Double($1) - m)) })
            for path in SampleKernelTests.paths {
                XCTAssertEqual(kvd_log_sum_exp(path.rawValue, x, Int32(n)), expected, accuracy: 1e-5 * max(1, abs(expected)), "n \(n) \(path)")
            }
        }
        for path in SampleKernelTests.paths {
            XCTAssertEqual(kvd_log_sum_exp(path.rawValue, [Float](repeating: -.infinity, count: 4), 4), -.infinity)
            XCTAssertEqual(kvd_log_sum_exp(path.rawValue, [2, 2], 2), 2 + log(2.0), accuracy: 1e-6)
        }
    }
}
