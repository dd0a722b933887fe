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
