import XCTest
@testable import Engine

final class HistogramTests: XCTestCase {
    func testBoundsAreInclusiveAndCountsCumulative() {
        var h = Histogram(bounds: [1, 2, 5])
        for v in [0.5, 1, 1.5, 5, 7] { h.observe(v) }
        XCTAssertEqual(h.counts, [2, 1, 1, 1])
        XCTAssertEqual(h.cumulativeCounts, [2, 3, 4, 5])
        XCTAssertEqual(h.sum, 15)
        XCTAssertEqual(h.count, 5)
    }

    func testVLLMBuckets() {
        XCTAssertEqual(MetricBuckets.oneTwoFive(upTo: 4096), [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000])
        XCTAssertEqual(MetricBuckets.oneTwoFive(upTo: 32768).suffix(3), [5000, 10000, 20000])
        XCTAssertEqual(MetricBuckets.timeToFirstToken.count, 22)
        XCTAssertEqual(MetricBuckets.perTokenLatency.count, 19)
        XCTAssertEqual(MetricBuckets.requestLatency.count, 21)
        XCTAssertEqual(MetricBuckets.iterationTokens.last, 16384)
    }
}
