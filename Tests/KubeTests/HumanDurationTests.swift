import XCTest
import Foundation
@testable import Kube

final class HumanDurationTests: XCTestCase {
    func testMatchesKubectlsFormatting() {
        let cases: [(TimeInterval, String)] = [
            (-5, "<invalid>"), (-0.5, "0s"), (0, "0s"), (119, "119s"), (120, "2m"), (121, "2m1s"),
            (599, "9m59s"), (600, "10m"), (179 * 60, "179m"), (3 * 3600, "3h"), (3 * 3600 + 120, "3h2m"),
            (8 * 3600, "8h"), (47 * 3600, "47h"), (48 * 3600, "2d"), (50 * 3600, "2d2h"), (8 * 86400, "8d"),
            (729 * 86400, "729d"), (730 * 86400, "2y"), (731 * 86400, "2y1d"), (8 * 365 * 86400, "8y"),
        ]
        for (interval, expected) in cases {
            XCTAssertEqual(HumanDuration.format(interval), expected, "for \(interval) s")
        }
    }

    func testAgeOfATimestamp() {
        let now = KubeTime.date(from: "2026-11-21T10:30:00Z")!
        XCTAssertEqual(HumanDuration.age(of: "2026-11-21T10:20:11Z", now: now), "9m49s")
        XCTAssertEqual(HumanDuration.age(of: nil, now: now), "<unknown>")
        XCTAssertEqual(HumanDuration.age(of: "yesterday", now: now), "<unknown>")
    }
}
