import KvdeckTestSupport
import XCTest
@testable import EngineServer

final class JSONValueTests: XCTestCase {
    func testWritesCompactOrderedJSON() throws {
        let v: JSONValue = .object(["b": 1, "a": [true, .null, "x\"\n"], "c": 0.5])
        XCTAssertEqual(v.text, #"{"b":1,"a":[true,null,"x\"\n"],"c":0.5}"#)
    }
}
