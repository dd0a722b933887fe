import XCTest
@testable import Engine

/// `--kv-cache-dtype` as `kvdeck serve` and `kvdeck bench` read it.
final class KVCacheDTypeTests: XCTestCase {
    func testFlagValuesAndWhatAutoPicks() throws {
        XCTAssertEqual(try KVCacheDType(flag: "auto"), .auto)
        XCTAssertEqual(try KVCacheDType(flag: "half"), .float16)
        XCTAssertEqual(try KVCacheDType(flag: "FP16"), .float16)
        XCTAssertEqual(try KVCacheDType(flag: "float"), .float32)
        XCTAssertEqual(try KVCacheDType(flag: "float32"), .float32)
        XCTAssertNil(KVCacheDType.auto.cpuFormat, "auto: the runner picks for its arithmetic")
        XCTAssertEqual(CPUKVCacheFormat.automatic(for: .int16Activations), .float16)
        XCTAssertEqual(CPUKVCacheFormat.automatic(for: .int8Activations), .float16)
        XCTAssertEqual(CPUKVCacheFormat.automatic(for: .exact), .float32)
        XCTAssertEqual(KVCacheDType.float16.cpuFormat, .float16)
        XCTAssertEqual(KVCacheDType.float32.cpuFormat, .float32)
    }

    func testUnsupportedValuesSayWhatIsAccepted() {
        XCTAssertThrowsError(try KVCacheDType(flag: "fp8_e4m3")) {
            XCTAssertEqual("\($0)", "engine configuration: --kv-cache-dtype fp8_e4m3: fp8 KV caches are not implemented by kvdeck's engines; use auto (half), float16 or float32")
        }
        XCTAssertThrowsError(try KVCacheDType(flag: "bf16")) {
            XCTAssertEqual("\($0)", "engine configuration: --kv-cache-dtype \"bf16\" is not auto, float16 or float32")
        }
    }
}
