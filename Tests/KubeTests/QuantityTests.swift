import Foundation
import XCTest
@testable import Kube

final class QuantityTests: XCTestCase {
    func testParsesKubernetesForms() throws {
        let table: [(String, Double, Int64)] = [
            ("80Gi", 85_899_345_920, 85_899_345_920),
            ("16Gi", 17_179_869_184, 17_179_869_184),
            ("2113289076Ki", 2_163_207_413_760 + 800_600_064, 2_164_008_013_824),
            ("500m", 0.5, 1),
            ("100m", 0.1, 1),
            ("1", 1, 1),
            ("8", 8, 8),
            ("1.5", 1.5, 2),
            ("1e3", 1000, 1000),
            ("1E-3", 0.001, 1),
            ("100M", 100_000_000, 100_000_000),
            ("1k", 1000, 1000),
            ("1Ki", 1024, 1024),
            ("0", 0, 0),
            ("-2", -2, -2),
            ("+3", 3, 3),
            (".5", 0.5, 1),
            ("5.", 5, 5),
            ("250u", 0.00025, 1),
            ("7n", 0.000000007, 1),
            ("123456789012345678901234", 1.23456789012345678901234e23, .max),
            ("0.000000000000000000001", 1e-21, 1),
        ]
        for (text, double, int) in table {
            let quantity = try XCTUnwrap(Quantity(text), text)
            XCTAssertEqual(quantity.doubleValue, double, accuracy: abs(double) * 1e-12, text)
            XCTAssertEqual(quantity.int64Value, int, text)
            XCTAssertEqual(quantity.string, text)
        }
        XCTAssertEqual(Quantity("1.5")?.milliValue, 1500)
        XCTAssertEqual(Quantity("16Ei")?.int64Value, .max, "saturates")
    }

    func testRejectsInvalid() {
        for text in ["", "Gi", "1.2.3", "1GiB", "1 Gi", "abc", "1e", "1e1.5", "--1", "1ee3", "0x10", "1Gi ", " 1", "1mi", "e3", "."] {
            XCTAssertNil(Quantity(text), text)
        }
    }

    func testDecodesStringsAndNumbers() throws {
        let json = #"{"a":"80Gi","b":8,"c":1.5,"d":"500m"}"#
        let decoded = try JSONDecoder().decode([String: Quantity].self, from: Data(json.utf8))
        XCTAssertEqual(decoded["a"]?.int64Value, 80 << 30)
        XCTAssertEqual(decoded["b"]?.int64Value, 8)
        XCTAssertEqual(decoded["b"]?.string, "8")
        XCTAssertEqual(decoded["c"]?.doubleValue, 1.5)
        XCTAssertEqual(decoded["d"]?.milliValue, 500)
        // Encodes the text it was given.
        XCTAssertEqual(String(decoding: try JSONEncoder().encode(decoded["a"]), as: UTF8.self), #""80Gi""#)
    }

    func testInvalidIsADecodingErrorNotACrash() {
        let json = #"{"limits":{"memory":"lots"}}"#
        XCTAssertThrowsError(try JSONDecoder().decode(ResourceRequirements.self, from: Data(json.utf8))) { error in
            guard case DecodingError.dataCorrupted(let context)? = error as? DecodingError else {
                return XCTFail("\(error)")
            }
            XCTAssertTrue(context.debugDescription.contains("lots"))
        }
        XCTAssertThrowsError(try JSONDecoder().decode(Quantity.self, from: Data("true".utf8)))
    }

    func testComparesByValue() throws {
        XCTAssertEqual(Quantity("1Gi"), Quantity("1024Mi"))
        XCTAssertLessThan(try XCTUnwrap(Quantity("500m")), try XCTUnwrap(Quantity("1")))
        XCTAssertLessThan(try XCTUnwrap(Quantity("1G")), try XCTUnwrap(Quantity("1Gi")))
        XCTAssertEqual([Quantity("2"), Quantity("100m"), Quantity("1k")].compactMap { $0 }.sorted().map(\.string),
                       ["100m", "2", "1k"])
        XCTAssertEqual(Set([Quantity("1Gi"), Quantity("1024Mi")].compactMap { $0 }).count, 1)
    }
}
