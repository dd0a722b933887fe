import CKernels
import Foundation
import XCTest
@testable import Engine

/// kvd_row_max, kvd_top_n, kvd_mask_below and kvd_count_greater (kvd_sample.h) on every path this
/// CPU runs, against plain Swift definitions.
final class SelectKernelTests: XCTestCase {
    static let paths = CPUKernelPath.allCases.filter(\.isSupported)

    /// Rows with ties, NaN, -inf and lengths around the vector width.
    private func rows() -> [[Float]] {
        var rng = SeededRandom(seed: 31)
        var out: [[Float]] = []
        for n in [1, 7, 16, 17, 100, 3000, 49_152] {
            var x = (0..<n).map { _ in Float(Int.random(in: 0..<200, using: &rng)) / 4 }  // many ties
            if n > 20 { x[3] = .nan; x[n - 1] = .nan; x[10] = -.infinity; x[n - 2] = 60 }
            out.append(x)
        }
        out.append((0..<5000).map(Float.init))                   // ascending: every value enters the heap
        out.append([Float](repeating: 2, count: 100))            // all equal
        out.append([Float](repeating: .nan, count: 40))          // nothing to rank
        return out
    }

    func testTopNMatchesASortAndSkipsNaN() {
        for x in rows() {
            let ranked = x.indices.filter { !x[$0].isNaN }.sorted { x[$0] != x[$1] ? x[$0] > x[$1] : $0 < $1 }
            for k in [1, 5, 40, 300, x.count] {
                let expected = Array(ranked.prefix(k))
                for path in Self.paths {
                    var out = [Int32](repeating: -1, count: k)
                    let found = kvd_top_n(path.rawValue, x, Int32(x.count), Int32(k), &out)
                    XCTAssertEqual(Int(found), expected.count, "n \(x.count) k \(k) \(path)")
                    XCTAssertEqual(out.prefix(Int(max(found, 0))).map(Int.init), expected, "n \(x.count) k \(k) \(path)")
                }
            }
        }
    }

    func testMaskCountAndMax() {
        for x in rows() {
            let finite = x.filter { !$0.isNaN }
            let cut: Float = finite.isEmpty ? 0 : finite[finite.count / 2]
            for path in Self.paths {
                var masked = x
                kvd_mask_below(path.rawValue, &masked, Int32(x.count), cut)
                for i in x.indices {
                    if x[i] < cut { XCTAssertEqual(masked[i], -.infinity, "n \(x.count) i \(i) \(path)") }
                    else if x[i].isNaN { XCTAssertTrue(masked[i].isNaN) }
                    else { XCTAssertEqual(masked[i], x[i], "n \(x.count) i \(i) \(path)") }
                }
                XCTAssertEqual(Int(kvd_count_greater(path.rawValue, x, Int32(x.count), cut)), x.filter { $0 > cut }.count,
                               "n \(x.count) \(path)")
                XCTAssertEqual(kvd_row_max(path.rawValue, x, Int32(x.count)), finite.max() ?? -.infinity, "n \(x.count) \(path)")
            }
        }
    }
}
